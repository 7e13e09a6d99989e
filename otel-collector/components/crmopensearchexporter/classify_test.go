package crmopensearchexporter

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"
	"testing"

	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/pdata/plog"
)

// The errors below are built the way the upstream exporter (v0.141.0) and opensearch-go
// (v4.5.0) build them: each failed bulk request is reported once through the indexer's
// OnError and once per document, each wrapped in consumererror.NewPermanent (twice for
// OnError), and all joined with errors.Join.

func permanentTwice(err error) error {
	return consumererror.NewPermanent(consumererror.NewPermanent(err))
}

func refused() error {
	return &net.OpError{Op: "dial", Net: "tcp", Addr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 9200},
		Err: &os.SyscallError{Syscall: "connect", Err: syscall.ECONNREFUSED}}
}

func oneLog(body string) plog.Logs {
	ld := plog.NewLogs()
	ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty().Body().SetStr(body)
	return ld
}

func bulkFailure(cause error, docs int) error {
	flush := fmt.Errorf("flush: %w", cause)
	errs := []error{permanentTwice(flush)}
	for range docs {
		errs = append(errs, consumererror.NewPermanent(flush))
	}
	return errors.Join(errs...)
}

func TestNilStaysNil(t *testing.T) {
	if err := classify(nil); err != nil {
		t.Fatalf("classify(nil) = %v", err)
	}
}

func TestTransportFailuresBecomeRetryable(t *testing.T) {
	cases := map[string]error{
		"connection refused":  bulkFailure(refused(), 3),
		"dns failure":         bulkFailure(&net.DNSError{Err: "no such host", Name: "opensearch", IsNotFound: true}, 1),
		"deadline exceeded":   bulkFailure(context.DeadlineExceeded, 2),
		"connection reset":    bulkFailure(&os.SyscallError{Syscall: "read", Err: syscall.ECONNRESET}, 1),
		"503 for the request": bulkFailure(errors.New("status: 503, error: no shard available"), 1),
		"429 for the request": bulkFailure(errors.New(`status: "429", reason: too many requests`), 1),
		"no answer, no type":  bulkFailure(errors.New("unexpected EOF reading the answer"), 1),
		"net error, no flush": consumererror.NewPermanent(refused()),
	}
	for name, upstream := range cases {
		t.Run(name, func(t *testing.T) {
			if !consumererror.IsPermanent(upstream) {
				t.Fatalf("test input should be permanent like upstream's: %v", upstream)
			}
			got := classify(upstream)
			if got == nil || consumererror.IsPermanent(got) {
				t.Fatalf("classify(%v) = %v, want a retryable error", upstream, got)
			}
		})
	}
}

func TestDocumentRejectionsStayPermanent(t *testing.T) {
	cases := map[string]error{
		"mapping error": errors.Join(consumererror.NewPermanent(
			errors.New(`{"type":"mapper_parsing_exception","reason":"failed to parse field [attributes.n]"}`))),
		"encoding error":            errors.Join(consumererror.NewPermanent(errors.New("json: unsupported value: NaN"))),
		"400 for the whole request": bulkFailure(errors.New("status: 400, error: illegal_argument_exception"), 2),
		"403 for the whole request": bulkFailure(errors.New(`status: "403", message: forbidden`), 1),
	}
	for name, upstream := range cases {
		t.Run(name, func(t *testing.T) {
			if got := classify(upstream); !consumererror.IsPermanent(got) {
				t.Fatalf("classify(%v) = %v, want it to stay permanent", upstream, got)
			}
		})
	}
}

func TestRetryableDocumentsAreRetriedAloneAndTogether(t *testing.T) {
	// Two documents answered 429 and one answered 400 in the same bulk answer: upstream joins
	// two consumererror.Logs and one permanent error.
	upstream := errors.Join(
		consumererror.NewLogs(errors.New("status 429 es_rejected_execution_exception"), oneLog("a")),
		consumererror.NewPermanent(errors.New("status 400 mapper_parsing_exception")),
		consumererror.NewLogs(errors.New("status 503 unavailable_shards_exception"), oneLog("b")),
	)
	got := classify(upstream)
	if got == nil || consumererror.IsPermanent(got) {
		t.Fatalf("classify = %v, want retryable", got)
	}
	var logsErr consumererror.Logs
	if !errors.As(got, &logsErr) {
		t.Fatalf("classify = %T %v, want consumererror.Logs with the records to retry", got, got)
	}
	var bodies []string
	rls := logsErr.Data().ResourceLogs()
	for i := 0; i < rls.Len(); i++ {
		recs := rls.At(i).ScopeLogs().At(0).LogRecords()
		for j := 0; j < recs.Len(); j++ {
			bodies = append(bodies, recs.At(j).Body().Str())
		}
	}
	if fmt.Sprint(bodies) != "[a b]" {
		t.Fatalf("records to retry = %v, want [a b] (the 400 one is not retried)", bodies)
	}
}

func TestOtherRetryableErrorsPassThrough(t *testing.T) {
	plain := errors.New("bulk indexer could not start")
	if got := classify(plain); got != plain {
		t.Fatalf("classify(%v) = %v, want it unchanged", plain, got)
	}
}
