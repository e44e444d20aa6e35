package response

import (
	"sync/atomic"
	"time"
)

// Clock caches the Date header value (RFC 9110 §5.6.7 IMF-fixdate), which
// changes once a second: formatting it per response would cost an allocation
// and ~200ns on the hot path.
type Clock struct {
	now atomic.Pointer[dateValue]
}

type dateValue struct {
	unix int64
	text []byte
}

// Date returns the current IMF-fixdate, e.g. "Tue, 24 Nov 2026 11:23:57 GMT".
// The returned slice must not be modified.
func (c *Clock) Date() []byte {
	now := time.Now()
	if d := c.now.Load(); d != nil && d.unix == now.Unix() {
		return d.text
	}
	d := &dateValue{unix: now.Unix(), text: now.UTC().AppendFormat(nil, "Mon, 02 Jan 2006 15:04:05 GMT")}
	c.now.Store(d)
	return d.text
}
