package files

import (
	"sync"
	"sync/atomic"
	"time"

	"pipehttp/content"
)

// MemCache keeps small files recently served in memory — their bytes and
// validators — so that a warm GET or HEAD is answered without a system
// call, and without the file pool: Handler.ServeCached is cheap enough to
// run in the route stage, so a hit never waits behind a slow disk. A miss
// is served from the disk as always, on the file pool, and fills the cache.
//
// Entries are trusted for Valid after they were read (like nginx's
// open_file_cache_valid): a file changed behind the server's back may be
// served as it was for that long. Uploads through this server replace or
// drop the entry at once. The bytes of an entry are never modified: a new
// version is a new entry, and responses that still refer to the old one
// keep it alive until they are written.
//
// A MemCache is safe for concurrent use; its zero value is not usable (see
// NewMemCache).
type MemCache struct {
	// MaxFile is the largest file cached, in bytes; MaxBytes bounds all
	// entries together; Valid is how long an entry is trusted.
	MaxFile  int64
	MaxBytes int64
	Valid    time.Duration

	mu      sync.RWMutex
	entries map[string]*memEntry // by decoded name
	bytes   int64
	// drops counts drops: a fill that began before a drop must not store
	// what it read, which may be the content the upload just replaced.
	drops atomic.Uint64
}

type memEntry struct {
	body       []byte
	validators content.Validators
	expires    int64 // UnixNano
}

// NewMemCache returns a cache of files up to maxFile bytes, maxBytes in
// all, each trusted for valid.
func NewMemCache(maxFile, maxBytes int64, valid time.Duration) *MemCache {
	return &MemCache{MaxFile: maxFile, MaxBytes: maxBytes, Valid: valid, entries: make(map[string]*memEntry)}
}

// get returns the entry for name if it is still valid at now.
func (c *MemCache) get(name []byte, now int64) *memEntry {
	c.mu.RLock()
	e := c.entries[string(name)] // no allocation: the compiler looks up by the bytes
	c.mu.RUnlock()
	if e == nil || now >= e.expires {
		return nil
	}
	return e
}

// fillStarts is taken before a fill opens the file; put is told it.
func (c *MemCache) fillStarts() uint64 { return c.drops.Load() }

// put stores body (which the cache now owns) as name's content, read by a
// fill that started at drops count start; if a drop happened since, the
// content may be stale and is not stored.
func (c *MemCache) put(name string, body []byte, v content.Validators, now int64, start uint64) {
	size := int64(len(body))
	if size > c.MaxFile || size > c.MaxBytes {
		return
	}
	e := &memEntry{body: body, validators: v, expires: now + int64(c.Valid)}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.drops.Load() != start {
		return
	}
	if old := c.entries[name]; old != nil {
		c.bytes -= int64(len(old.body))
	}
	// Make room: expired entries first, then any (map order is as good
	// as any other for a cache whose entries live one Valid at most).
	for pass := 0; c.bytes+size > c.MaxBytes && pass < 2; pass++ {
		for k, old := range c.entries {
			if c.bytes+size <= c.MaxBytes {
				break
			}
			if pass == 0 && now < old.expires {
				continue
			}
			c.bytes -= int64(len(old.body))
			delete(c.entries, k)
		}
	}
	c.entries[name] = e
	c.bytes += size
}

// drop forgets name (an upload replaced it).
func (c *MemCache) drop(name string) {
	c.mu.Lock()
	c.drops.Add(1)
	if old := c.entries[name]; old != nil {
		c.bytes -= int64(len(old.body))
		delete(c.entries, name)
	}
	c.mu.Unlock()
}

// Len and Bytes report the cache's entries and their size.
func (c *MemCache) Len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.entries)
}

// Bytes is the size of every entry together.
func (c *MemCache) Bytes() int64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.bytes
}
