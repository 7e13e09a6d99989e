package crmopensearchexporter // import "crm-otel-kit.local/otel-collector/components/crmopensearchexporter"

import (
	"context"
	"fmt"

	"github.com/open-telemetry/opentelemetry-collector-contrib/exporter/opensearchexporter"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/otel/metric/noop"
)

// TypeStr is the component type users write in the collector config, e.g. `crm_opensearch/app-logs`.
const TypeStr = "crm_opensearch"

var componentType = component.MustNewType(TypeStr)

// NewFactory returns the factory of the `crm_opensearch` logs exporter.
func NewFactory() exporter.Factory {
	upstream := opensearchexporter.NewFactory()
	return exporter.NewFactory(
		componentType,
		// The upstream exporter's own config type and defaults: every setting it knows is
		// accepted, validated and defaulted exactly as under the `opensearch` type.
		upstream.CreateDefaultConfig,
		exporter.WithLogs(func(ctx context.Context, set exporter.Settings, cfg component.Config) (exporter.Logs, error) {
			return createLogs(ctx, set, cfg, upstream)
		}, component.StabilityLevelDevelopment),
	)
}

func createLogs(ctx context.Context, set exporter.Settings, cfg component.Config, upstream exporter.Factory) (exporter.Logs, error) {
	outer, ok := cfg.(*opensearchexporter.Config)
	if !ok {
		return nil, fmt.Errorf("%s: unexpected config type %T", TypeStr, cfg)
	}

	// The wrapped exporter only sends: queueing, retrying and timing out happen around it, so a
	// failure it reports comes straight back to classify().
	inner := *outer
	inner.QueueConfig.Enabled = false
	inner.BackOffConfig.Enabled = false
	inner.TimeoutSettings = exporterhelper.TimeoutConfig{}

	innerSet := set
	// The upstream factory only creates components of its own type; same name as ours, so its
	// log lines (exporter "opensearch/<name>") are easy to relate.
	innerSet.ID = component.NewIDWithName(upstream.Type(), set.ID.Name())
	// Its own otelcol_exporter_* metrics would count every failed attempt during an outage as
	// failed records (and fire "logs dropped" alerts) although the retry below delivers them:
	// only this wrapper's metrics (exporter="crm_opensearch/<name>") are reported.
	innerSet.TelemetrySettings.MeterProvider = noop.NewMeterProvider()
	sender, err := upstream.CreateLogs(ctx, innerSet, &inner)
	if err != nil {
		return nil, fmt.Errorf("%s: creating the wrapped opensearch exporter: %w", set.ID, err)
	}

	push := func(ctx context.Context, ld plog.Logs) error {
		return classify(sender.ConsumeLogs(ctx, ld))
	}
	return exporterhelper.NewLogs(ctx, set, cfg, push,
		exporterhelper.WithStart(sender.Start),
		exporterhelper.WithShutdown(sender.Shutdown),
		// The wrapped exporter may rewrite records while encoding them.
		exporterhelper.WithCapabilities(consumer.Capabilities{MutatesData: true}),
		exporterhelper.WithRetry(outer.BackOffConfig),
		exporterhelper.WithQueue(outer.QueueConfig),
		exporterhelper.WithTimeout(outer.TimeoutSettings),
	)
}
