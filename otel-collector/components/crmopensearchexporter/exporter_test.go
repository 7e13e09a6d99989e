package crmopensearchexporter

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/exporter/opensearchexporter"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/exporter/exportertest"
	"go.opentelemetry.io/collector/pdata/plog"
)

// fakeOpenSearch answers _bulk requests: the first `drop` of them lose their connection
// without an answer (as a stopped OpenSearch would), then every document gets `status`.
type fakeOpenSearch struct {
	mu       sync.Mutex
	drop     int
	status   int
	requests int
	indexed  []string // index names of documents answered 201
}

func (f *fakeOpenSearch) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !strings.HasSuffix(r.URL.Path, "/_bulk") {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"version":{"number":"3.6.0","distribution":"opensearch"}}`))
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests++
	if f.requests <= f.drop {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			_ = conn.Close()
		}
		return
	}
	var items []string
	sc := bufio.NewScanner(r.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for line := 0; sc.Scan(); line++ {
		if line%2 == 1 { // action line, document line, ...
			continue
		}
		index := strings.SplitN(strings.SplitN(sc.Text(), `"_index":"`, 2)[1], `"`, 2)[0]
		if f.status == 201 {
			f.indexed = append(f.indexed, index)
			items = append(items, fmt.Sprintf(`{"create":{"_index":%q,"status":201}}`, index))
		} else {
			items = append(items, fmt.Sprintf(`{"create":{"_index":%q,"status":%d,"error":{"type":"mapper_parsing_exception","reason":"failed to parse"}}}`, index, f.status))
		}
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = fmt.Fprintf(w, `{"took":1,"errors":%t,"items":[%s]}`, f.status != 201, strings.Join(items, ","))
}

func (f *fakeOpenSearch) counts() (int, []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests, append([]string(nil), f.indexed...)
}

func logs(n int) plog.Logs {
	ld := plog.NewLogs()
	recs := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
	for i := range n {
		recs.AppendEmpty().Body().SetStr(fmt.Sprintf("record %d", i))
	}
	return ld
}

func startExporter(t *testing.T, url string) func(plog.Logs) error {
	t.Helper()
	f := NewFactory()
	cfg := f.CreateDefaultConfig().(*opensearchexporter.Config)
	cfg.Endpoint = url
	cfg.LogsIndex = "crm-app-logs"
	cfg.BackOffConfig.InitialInterval = 10 * time.Millisecond
	cfg.BackOffConfig.MaxInterval = 50 * time.Millisecond
	cfg.BackOffConfig.MaxElapsedTime = 20 * time.Second
	cfg.QueueConfig.Enabled = false // ConsumeLogs returns only once delivered or given up
	exp, err := f.CreateLogs(context.Background(), exportertest.NewNopSettings(f.Type()), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := exp.Start(context.Background(), componenttest.NewNopHost()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = exp.Shutdown(context.Background()) })
	return func(ld plog.Logs) error { return exp.ConsumeLogs(context.Background(), ld) }
}

func TestBatchIsDeliveredAfterLostConnections(t *testing.T) {
	// More dropped requests than opensearch-go retries on its own: upstream alone gives up
	// (permanent error); through crm_opensearch the batch is retried until OpenSearch answers.
	fake := &fakeOpenSearch{drop: 8, status: 201}
	srv := httptest.NewServer(fake)
	defer srv.Close()

	if err := startExporter(t, srv.URL)(logs(5)); err != nil {
		t.Fatalf("ConsumeLogs = %v, want the batch delivered after the outage", err)
	}
	requests, indexed := fake.counts()
	if requests <= fake.drop {
		t.Fatalf("only %d bulk requests, the outage lasted %d", requests, fake.drop)
	}
	if len(indexed) != 5 || !strings.HasPrefix(indexed[0], "crm-app-logs") {
		t.Fatalf("indexed %v, want 5 documents in crm-app-logs", indexed)
	}
}

func TestRejectedDocumentsAreNotRetried(t *testing.T) {
	fake := &fakeOpenSearch{status: 400}
	srv := httptest.NewServer(fake)
	defer srv.Close()

	err := startExporter(t, srv.URL)(logs(2))
	if err == nil || !consumererror.IsPermanent(err) {
		t.Fatalf("ConsumeLogs = %v, want a permanent error for documents OpenSearch rejected", err)
	}
	if requests, _ := fake.counts(); requests != 1 {
		t.Fatalf("%d bulk requests for a rejected batch, want exactly 1 (no retry)", requests)
	}
}

func TestConfigTakesTheUpstreamSettings(t *testing.T) {
	f := NewFactory()
	if f.Type().String() != "crm_opensearch" {
		t.Fatalf("type %q", f.Type())
	}
	cfg, ok := f.CreateDefaultConfig().(*opensearchexporter.Config)
	if !ok {
		t.Fatalf("default config is %T, want the upstream *opensearchexporter.Config", f.CreateDefaultConfig())
	}
	if cfg.Mode != "ss4o" || cfg.BulkAction != "create" {
		t.Fatalf("upstream defaults missing: mode %q bulk_action %q", cfg.Mode, cfg.BulkAction)
	}
}
