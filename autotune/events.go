package autotune

import (
	"fmt"
	"sync"
	"time"
)

// Event is one decision of a controller, with its reason.
type Event struct {
	Seq     uint64    `json:"seq"` // 1, 2, …: the order of decisions
	Time    time.Time `json:"time"`
	Subject string    `json:"subject"` // a stage ("file") or a route class ("files")
	Kind    string    `json:"kind"`    // KindWorkers, KindLimit or KindAdmission
	// From and To are worker counts, or admission rates in requests/s
	// (0: unlimited).
	From   float64 `json:"from"`
	To     float64 `json:"to"`
	Reason string  `json:"reason"`
	// Held is how long, in seconds, the condition behind the decision had
	// held, over whole windows; Window is the last window's length (see
	// Decision.Held).
	Held   float64 `json:"held"`
	Window float64 `json:"window"`
	// Message is the whole decision in one line:
	// "file: queue wait p90 210 ms > 100 ms, busy 100%, for 3 s → workers 4→6".
	Message string `json:"message"`
}

func newEvent(at time.Time, subject string, d Decision) Event {
	e := Event{Time: at, Subject: subject, Kind: d.Kind, From: d.From, To: d.To, Reason: d.Reason,
		Held: d.Held.Seconds(), Window: d.Window.Seconds()}
	switch d.Kind {
	case KindWorkers:
		e.Message = fmt.Sprintf("%s: %s → workers %.0f→%.0f", subject, d.Reason, d.From, d.To)
	case KindLimit:
		e.Message = fmt.Sprintf("%s: %s", subject, d.Reason)
	case KindAdmission:
		e.Message = fmt.Sprintf("%s: %s → admission %s (was %s)", subject, d.Reason, rateText(d.To), rateText(d.From))
	}
	return e
}

// eventLog keeps the last events in a ring.
type eventLog struct {
	mu    sync.Mutex
	ring  []Event
	next  int    // where the next event goes
	seq   uint64 // events ever recorded
	kinds map[[2]string]uint64
}

func newEventLog(size int) *eventLog {
	return &eventLog{ring: make([]Event, 0, size), kinds: map[[2]string]uint64{}}
}

func (l *eventLog) add(e Event) Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seq++
	e.Seq = l.seq
	l.kinds[[2]string{e.Subject, e.Kind}]++
	if len(l.ring) < cap(l.ring) {
		l.ring = append(l.ring, e)
	} else {
		l.ring[l.next] = e
		l.next = (l.next + 1) % cap(l.ring)
	}
	return e
}

// since returns the kept events with Seq > after, oldest first.
func (l *eventLog) since(after uint64) []Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]Event, 0, len(l.ring))
	for i := range l.ring {
		e := l.ring[(l.next+i)%len(l.ring)]
		if e.Seq > after {
			out = append(out, e)
		}
	}
	return out
}

// counts returns how many events each (subject, kind) has had.
func (l *eventLog) counts() map[[2]string]uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make(map[[2]string]uint64, len(l.kinds))
	for k, v := range l.kinds {
		out[k] = v
	}
	return out
}
