package crmopensearchexporter // import "crm-otel-kit.local/otel-collector/components/crmopensearchexporter"

import (
	"context"
	"errors"
	"io"
	"net"
	"regexp"
	"strconv"
	"strings"
	"syscall"

	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/pdata/plog"
)

// The opensearch-go bulk indexer prefixes every failure of a whole bulk request with this
// (the request never got a bulk answer: nothing of it was indexed).
const flushPrefix = "flush: "

// An HTTP error answer to the whole bulk request, as opensearch-go prints it: "status: 503, ...".
var statusInText = regexp.MustCompile(`status: "?(\d{3})\b`)

// classify turns what the upstream exporter returned into what the retry and queue helpers
// must do with the batch:
//
//   - the bulk request failed as a whole for a transient reason (connection refused or reset,
//     timeout, DNS, 429 or 5xx answer, canceled or expired context): a plain, retryable error,
//     so the whole batch is sent again (upstream reports these as permanent);
//   - some documents were answered with a retryable status (429, 5xx): retryable, carrying only
//     those records, so the retry does not index the others twice;
//   - otherwise (mapping or parse errors, other 4xx answers, encoding errors): unchanged,
//     permanent, so a batch that can never be indexed does not block the queue.
func classify(err error) error {
	if err == nil {
		return nil
	}
	var (
		transient bool
		retry     []consumererror.Logs
	)
	for _, e := range topLevel(err) {
		var logsErr consumererror.Logs
		switch {
		case isTransientRequestFailure(e):
			transient = true
		case !consumererror.IsPermanent(e) && errors.As(e, &logsErr):
			retry = append(retry, logsErr)
		}
	}
	switch {
	case transient:
		// A new error, not a wrapper: wrapping would keep the Permanent marker inside.
		return errors.New("OpenSearch bulk request failed, will retry: " + err.Error())
	case len(retry) > 0:
		merged := plog.NewLogs()
		for _, r := range retry {
			r.Data().ResourceLogs().MoveAndAppendTo(merged.ResourceLogs())
		}
		return consumererror.NewLogs(errors.New("OpenSearch asked to retry some documents: "+err.Error()), merged)
	default:
		return err
	}
}

// topLevel splits an errors.Join result into its parts (the upstream exporter joins one
// error per failed document plus one per failed bulk request).
func topLevel(err error) []error {
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range joined.Unwrap() {
			out = append(out, topLevel(e)...)
		}
		return out
	}
	return []error{err}
}

// isTransientRequestFailure: the request did not reach OpenSearch, got no answer in time, or
// was answered 429 / 5xx as a whole.
func isTransientRequestFailure(err error) bool {
	var netErr net.Error
	if errors.As(err, &netErr) ||
		errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, context.Canceled) ||
		errors.Is(err, io.EOF) ||
		errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) {
		return true
	}
	msg, ok := flushMessage(err)
	if !ok {
		return false
	}
	if m := statusInText.FindStringSubmatch(msg); m != nil {
		status, _ := strconv.Atoi(m[1])
		return status == 429 || status >= 500
	}
	// A failed bulk request without an HTTP status: it never got an answer.
	return true
}

// flushMessage finds the bulk indexer's "flush: ..." error in err's chain.
func flushMessage(err error) (string, bool) {
	for e := err; e != nil; e = errors.Unwrap(e) {
		if msg := e.Error(); strings.HasPrefix(msg, flushPrefix) {
			return msg, true
		}
	}
	return "", false
}
