// Package crmopensearchexporter is the CRM kit's logs exporter to OpenSearch, type
// `crm_opensearch`.
//
// It takes the contrib `opensearch` exporter's settings unchanged (http, logs_index,
// logs_index_time_format, mapping, dataset, namespace, sending_queue, retry_on_failure, ...),
// builds that exporter through its own factory with its queue, retry and timeout switched off,
// and puts the collector's standard exporter helpers (queue, persistent storage, retry,
// timeout) around it. The one difference in behaviour: the upstream exporter (v0.141.0,
// issue open-telemetry/opentelemetry-collector-contrib#49208) marks a failed bulk request
// (connection refused, timeout, DNS, 5xx) as permanent, so the data was dropped; here such
// failures are retryable again (see classify.go), while per-document rejections such as
// mapping or parse errors stay permanent.
package crmopensearchexporter // import "crm-otel-kit.local/otel-collector/components/crmopensearchexporter"
