package pipeline

import (
	"sync"
	"sync/atomic"
)

// connTable is one poller's connections, indexed by slot. The slot and a
// generation travel in the connection's epoll_data, so an event finds its
// connection with two atomic loads and no lock (get, epoll_linux.go), and
// an event left over from a connection that closed (and whose slot was
// reused) is recognised by its generation and dropped. (The portable
// source's waiters hold their connection itself.)
//
// The table is a fixed directory of chunks allocated on first use, so it
// never moves while the poller reads it; adding and removing take a mutex
// (once per connection, not per request).
type connTable struct {
	dir  []atomic.Pointer[tableChunk]
	mu   sync.Mutex
	free []uint32 // released slots, reused first (guarded by mu)
	used uint32   // slots below used have been handed out at least once (guarded by mu; read atomically)
	gen  uint32   // last generation handed out (guarded by mu)
	n    atomic.Int64
}

const chunkBits = 10

type tableChunk [1 << chunkBits]atomic.Pointer[conn]

func newConnTable(capacity int) connTable {
	chunks := (capacity + 1<<chunkBits - 1) >> chunkBits
	return connTable{dir: make([]atomic.Pointer[tableChunk], chunks)}
}

// put gives c a slot and a generation. It reports false if the table is
// full, which the server's own limits (MaxConns, maxLingering) prevent.
func (t *connTable) put(c *conn) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	var slot uint32
	switch {
	case len(t.free) > 0:
		slot = t.free[len(t.free)-1]
		t.free = t.free[:len(t.free)-1]
	case int(t.used)>>chunkBits < len(t.dir):
		slot = t.used
		atomic.StoreUint32(&t.used, t.used+1)
	default:
		return false
	}
	ch := t.dir[slot>>chunkBits].Load()
	if ch == nil {
		ch = new(tableChunk)
		t.dir[slot>>chunkBits].Store(ch)
	}
	t.gen++
	c.slot, c.gen = slot, t.gen
	ch[slot&(1<<chunkBits-1)].Store(c)
	t.n.Add(1)
	return true
}

// remove frees c's slot.
func (t *connTable) remove(c *conn) {
	t.mu.Lock()
	defer t.mu.Unlock()
	ch := t.dir[c.slot>>chunkBits].Load()
	if ch[c.slot&(1<<chunkBits-1)].CompareAndSwap(c, nil) {
		t.free = append(t.free, c.slot)
		t.n.Add(-1)
	}
}

// each calls f for every connection in the table. It takes no lock:
// connections added or removed meanwhile may or may not be seen.
func (t *connTable) each(f func(*conn)) {
	used := atomic.LoadUint32(&t.used)
	for i := uint32(0); i < used; i += 1 << chunkBits {
		ch := t.dir[i>>chunkBits].Load()
		if ch == nil {
			continue
		}
		for k := range ch {
			if uint32(k)+i >= used {
				break
			}
			if c := ch[k].Load(); c != nil {
				f(c)
			}
		}
	}
}
