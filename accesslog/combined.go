// Package accesslog renders pipehttp's access-log records (one slog record
// per response, written by the pipeline's write stage; see
// pipeline.Config.AccessLog) in the Combined Log Format that Apache, nginx
// and the log tools built for them (GoAccess, AWStats, lnav, fail2ban)
// read:
//
//	127.0.0.1 - - [30/Nov/2026:15:04:05 +0000] "GET /echo/hi HTTP/1.1" 200 2 "-" "curl/8.5.0"
//
// The fields are the client's address (%h), two dashes for identd and user
// (%l %u, never known here), the time the request's first byte arrived
// (%t), the request line (%r), the status (%>s), the body bytes ("-" for
// none, %b), the Referer and the User-Agent. Quotes, backslashes and bytes
// outside printable ASCII in the quoted fields are escaped as Apache does
// (\" \\ \xhh), so a client cannot forge a line.
package accesslog

import (
	"context"
	"io"
	"log/slog"
	"net/netip"
	"strconv"
	"sync"
	"time"
)

// Combined is a slog.Handler that writes each record as one line of the
// Combined Log Format. It reads the attributes the pipeline's access log
// records carry (remote, method, target, proto, status, bytes, dur,
// referer, user_agent) and ignores the rest; a missing one is written as
// "-". Each line is one Write, under a lock, so it is safe for concurrent
// use.
type Combined struct {
	mu *sync.Mutex
	w  io.Writer
}

// NewCombined returns a handler that writes to w.
func NewCombined(w io.Writer) *Combined {
	return &Combined{mu: new(sync.Mutex), w: w}
}

// Enabled reports true: every access-log record is written.
func (h *Combined) Enabled(context.Context, slog.Level) bool { return true }

// WithAttrs returns h: the format has no place for other attributes.
func (h *Combined) WithAttrs([]slog.Attr) slog.Handler { return h }

// WithGroup returns h, for the same reason.
func (h *Combined) WithGroup(string) slog.Handler { return h }

// Handle writes r as one line.
func (h *Combined) Handle(_ context.Context, r slog.Record) error {
	var f struct {
		remote, method, target, proto, referer, agent string
		status, bytes                                 int64
		dur                                           time.Duration
	}
	r.Attrs(func(a slog.Attr) bool {
		v := a.Value.Resolve()
		switch a.Key {
		case "remote":
			f.remote = v.String()
		case "method":
			f.method = v.String()
		case "target":
			f.target = v.String()
		case "proto":
			f.proto = v.String()
		case "referer":
			f.referer = v.String()
		case "user_agent":
			f.agent = v.String()
		case "status":
			f.status = v.Int64()
		case "bytes":
			f.bytes = v.Int64()
		case "dur":
			f.dur = v.Duration()
		}
		return true
	})
	b := make([]byte, 0, 256)
	b = append(b, host(f.remote)...)
	b = append(b, " - - ["...)
	at := r.Time
	if at.IsZero() {
		at = time.Now()
	}
	b = at.Add(-f.dur).AppendFormat(b, "02/Jan/2006:15:04:05 -0700")
	b = append(b, "] \""...)
	if f.method == "" {
		b = append(b, '-')
	} else {
		b = appendEscaped(b, f.method)
		b = append(b, ' ')
		b = appendEscaped(b, f.target)
		if f.proto != "" {
			b = append(b, ' ')
			b = appendEscaped(b, f.proto)
		}
	}
	b = append(b, "\" "...)
	b = strconv.AppendInt(b, f.status, 10)
	b = append(b, ' ')
	if f.bytes > 0 {
		b = strconv.AppendInt(b, f.bytes, 10)
	} else {
		b = append(b, '-')
	}
	b = appendQuoted(b, f.referer)
	b = appendQuoted(b, f.agent)
	b = append(b, '\n')
	h.mu.Lock()
	defer h.mu.Unlock()
	_, err := h.w.Write(b)
	return err
}

// host is the address of remote ("ip:port") without its port; "-" if
// unknown.
func host(remote string) string {
	if ap, err := netip.ParseAddrPort(remote); err == nil {
		return ap.Addr().String()
	}
	if a, err := netip.ParseAddr(remote); err == nil {
		return a.String()
	}
	return "-"
}

// appendQuoted appends ` "s"`, or ` "-"` for an empty s.
func appendQuoted(b []byte, s string) []byte {
	b = append(b, " \""...)
	if s == "" {
		b = append(b, '-')
	} else {
		b = appendEscaped(b, s)
	}
	return append(b, '"')
}

// appendEscaped appends s with quotes and backslashes escaped and every
// byte outside printable ASCII written as \xhh, as Apache's
// ap_escape_logitem does.
func appendEscaped(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20 || c >= 0x7f:
			b = append(b, '\\', 'x', hex[c>>4], hex[c&15])
		default:
			b = append(b, c)
		}
	}
	return b
}
