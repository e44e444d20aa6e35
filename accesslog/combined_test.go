package accesslog_test

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"testing"
	"time"

	"pipehttp/accesslog"
)

// record is an access-log record as the pipeline writes it.
func record(at time.Time, attrs ...slog.Attr) slog.Record {
	r := slog.NewRecord(at, slog.LevelInfo, "request", 0)
	r.AddAttrs(attrs...)
	return r
}

func TestCombined(t *testing.T) {
	at := time.Date(2026, 11, 30, 15, 4, 5, 0, time.FixedZone("", -7*3600))
	full := []slog.Attr{
		slog.String("remote", "192.0.2.7:51234"),
		slog.String("method", "GET"),
		slog.String("target", "/files/a b"),
		slog.String("proto", "HTTP/1.1"),
		slog.Int("status", 200),
		slog.Int64("bytes", 2326),
		slog.Duration("dur", 2*time.Second),
		slog.Duration("parse", time.Millisecond), // not in the format
		slog.String("referer", "http://example.test/start.html"),
		slog.String("user_agent", "Mozilla/4.08 [en] (Win98; I ;Nav)"),
	}
	for _, tc := range []struct {
		name  string
		attrs []slog.Attr
		want  string
	}{
		{"complete", full,
			`192.0.2.7 - - [30/Nov/2026:15:04:03 -0700] "GET /files/a b HTTP/1.1" 200 2326 "http://example.test/start.html" "Mozilla/4.08 [en] (Win98; I ;Nav)"`},
		{"IPv6, no body, no referer or agent", []slog.Attr{
			slog.String("remote", "[2001:db8::1]:80"), slog.String("method", "HEAD"), slog.String("target", "/"),
			slog.String("proto", "HTTP/1.0"), slog.Int("status", 304), slog.Int64("bytes", 0),
			slog.String("referer", ""), slog.String("user_agent", "")},
			`2001:db8::1 - - [30/Nov/2026:15:04:05 -0700] "HEAD / HTTP/1.0" 304 - "-" "-"`},
		{"forged quotes and control bytes are escaped", []slog.Attr{
			slog.String("remote", ""), slog.String("method", "GET"), slog.String("target", "/\"x\\"),
			slog.String("proto", "HTTP/1.1"), slog.Int("status", 404),
			slog.String("user_agent", "evil\" 200 1 \"-\"\n127.0.0.1 - - \xff")},
			`- - - [30/Nov/2026:15:04:05 -0700] "GET /\"x\\ HTTP/1.1" 404 - "-" "evil\" 200 1 \"-\"\x0a127.0.0.1 - - \xff"`},
		{"a request that failed before its method", []slog.Attr{slog.Int("status", 400)},
			`- - - [30/Nov/2026:15:04:05 -0700] "-" 400 - "-" "-"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			h := accesslog.NewCombined(&buf)
			if err := h.Handle(t.Context(), record(at, tc.attrs...)); err != nil {
				t.Fatal(err)
			}
			if got := buf.String(); got != tc.want+"\n" {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

// A Combined handler is an ordinary slog handler: give it to the
// pipeline's Config.AccessLog as slog.New(accesslog.NewCombined(w)).
func ExampleNewCombined() {
	log := slog.New(accesslog.NewCombined(os.Stdout))
	log.LogAttrs(context.Background(), slog.LevelInfo, "request",
		slog.String("remote", "127.0.0.1:40000"), slog.String("method", "GET"), slog.String("target", "/echo/hi"),
		slog.String("proto", "HTTP/1.1"), slog.Int("status", 200), slog.Int64("bytes", 2),
		slog.String("user_agent", "curl/8.5.0"))
}
