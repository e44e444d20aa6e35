package static

import (
	"container/list"
	"os"
	"slices"
	"strconv"
	"sync"

	"golang.org/x/sync/singleflight"
)

// DefaultGzipCache is Config.GzipCache's default: 32 MiB of compressed
// bodies.
const DefaultGzipCache = 32 << 20

// gzipCache keeps the on-the-fly gzip encodings of files within a byte
// budget, least recently used out first, so that a file asked for again
// and again — 72 pipelined requests for one text file, say — is compressed
// once and its encoding shared by every response, not held once per
// response.
//
// An entry belongs to a path and is valid for one size and modification
// time of the file there; a file that changes misses, and its new encoding
// replaces the old one. Entries are immutable once stored: responses send
// them with response.SetSharedBody, and an entry evicted while a response
// still sends it lives on until that response is written (the budget
// bounds what the cache holds, not what responses in flight hold).
// Concurrent misses for one version of a file are collapsed: one file
// worker compresses, the others wait for its result (singleflight), so a
// burst costs one compression and one copy.
type gzipCache struct {
	max   int64
	group singleflight.Group

	mu     sync.Mutex
	byPath map[string]*list.Element // of *gzipEntry
	lru    list.List                // front: most recently used
	bytes  int64
	counts GzipCacheStats
}

type gzipEntry struct {
	rel         string
	size, mtime int64
	data        []byte
}

// GzipCacheStats counts the on-the-fly gzip cache's work.
type GzipCacheStats struct {
	Compressions int64 // files compressed on the fly (cached or not)
	Hits         int64 // responses served from the cache
	Entries      int   // encodings held
	Bytes        int64 // their total size, at most Config.GzipCache
}

func newGzipCache(max int64) *gzipCache {
	return &gzipCache{max: max, byPath: make(map[string]*list.Element)}
}

// get returns the gzip encoding of the file at rel, of the version fi
// describes, from the cache or by compress(f).
func (c *gzipCache) get(rel string, f *os.File, fi os.FileInfo) ([]byte, error) {
	size, mtime := fi.Size(), fi.ModTime().UnixNano()
	if b := c.lookup(rel, size, mtime, true); b != nil {
		return b, nil
	}
	key := rel + "\x00" + strconv.FormatInt(size, 36) + "\x00" + strconv.FormatInt(mtime, 36)
	v, err, _ := c.group.Do(key, func() (any, error) {
		// A flight that just ended may have stored it.
		if b := c.lookup(rel, size, mtime, false); b != nil {
			return b, nil
		}
		b, err := gzipFile(f, size)
		if err != nil {
			return nil, err
		}
		c.store(&gzipEntry{rel: rel, size: size, mtime: mtime, data: b})
		return b, nil
	})
	if err != nil {
		return nil, err
	}
	return v.([]byte), nil
}

// lookup returns the stored encoding of that version of rel, or nil.
func (c *gzipCache) lookup(rel string, size, mtime int64, count bool) []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.byPath[rel]
	if !ok {
		return nil
	}
	e := el.Value.(*gzipEntry)
	if e.size != size || e.mtime != mtime {
		return nil
	}
	c.lru.MoveToFront(el)
	if count {
		c.counts.Hits++
	}
	return e.data
}

// store adds e, replacing any other version of its file, and evicts the
// least recently used entries until the budget holds. An encoding larger
// than the whole budget is not kept.
func (c *gzipCache) store(e *gzipEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.counts.Compressions++
	if int64(len(e.data)) > c.max {
		return
	}
	if old, ok := c.byPath[e.rel]; ok {
		c.remove(old)
	}
	c.byPath[e.rel] = c.lru.PushFront(e)
	c.bytes += int64(len(e.data))
	for c.bytes > c.max {
		c.remove(c.lru.Back())
	}
}

func (c *gzipCache) remove(el *list.Element) {
	e := c.lru.Remove(el).(*gzipEntry)
	delete(c.byPath, e.rel)
	c.bytes -= int64(len(e.data))
}

func (c *gzipCache) stats() GzipCacheStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.counts
	s.Entries, s.Bytes = c.lru.Len(), c.bytes
	return s
}

// gzipFile returns the gzip encoding of size bytes of f in a slice of its
// own, exactly as long as it needs to be.
func gzipFile(f *os.File, size int64) ([]byte, error) {
	var tmp bodyBuffer
	if err := compressTo(&tmp, f, size); err != nil {
		return nil, err
	}
	return slices.Clip(slices.Clone(tmp.b)), nil
}
