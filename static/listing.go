package static

import (
	"bytes"
	"container/heap"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"io/fs"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"pipehttp/files"
	"pipehttp/parser"
	"pipehttp/response"
	"pipehttp/router"
)

// DefaultMaxEntries is Config.MaxEntries's default: entries per page of a
// listing.
const DefaultMaxEntries = 1000

// entry is one line of a directory listing.
type entry struct {
	name string
	dir  bool
	size int64
	mod  time.Time
}

// page is one page of a listing: the entries, in order, and the cursor of
// the next page ("" on the last one).
type page struct {
	entries []entry
	next    string // the last name of this page: the next page lists the names after it
}

// listing answers a directory without an index: HTML, or JSON when the
// client prefers application/json. Dotfiles are left out unless
// Config.Dotfiles, upload temp files always; symlinks are shown as what
// they point to, and left out when that is outside the root or missing.
//
// Entries are sorted by name (case-insensitively, then bytewise) and
// listed Config.MaxEntries at a time: a page ends with a link to the next
// one ("?after=NAME", NAME percent-encoded), and the JSON form carries the
// same as "next" and "next_cursor". A page is the MaxEntries names that
// sort first after the cursor, selected in one pass over the directory
// with memory for one page, so a folder of any size is listed complete and
// in order, page by page, never as an arbitrary subset.
func (h *Handler) listing(req *parser.Request, resp *response.Response, t target, dir *os.File) error {
	after, err := cursor(req.Query)
	if err != nil {
		return err
	}
	pg, err := h.readPage(t, dir, after)
	if err != nil {
		return err
	}
	display := "/"
	if t.rel != "." {
		display = "/" + t.rel + "/"
	}
	var body []byte
	if wantsJSON(req) {
		resp.ContentType = "application/json"
		body, err = listingJSON(display, pg)
		if err != nil {
			return err
		}
	} else {
		resp.ContentType = "text/html; charset=utf-8"
		body = listingHTML(display, pg, after != "")
	}
	resp.Status = 200
	resp.Vary = "Accept, Accept-Encoding"
	resp.Fields = append(resp.Fields, response.Field{Name: "X-Content-Type-Options", Value: "nosniff"})
	if len(body) >= gzipMin && router.AcceptsGzip(req) {
		if err := compressBody(resp, body); err != nil {
			return fmt.Errorf("gzip listing %q: %w", t.rel, err)
		}
		resp.ContentEncoding = "gzip"
		return nil
	}
	resp.Body = append(resp.Body[:0], body...)
	return nil
}

// cursor returns the "after" parameter of a listing's query, decoded once;
// "" when absent.
func cursor(query []byte) (string, error) {
	for len(query) > 0 {
		var param []byte
		param, query = cutAmp(query)
		if v, ok := bytes.CutPrefix(param, []byte("after=")); ok {
			return unescape(v)
		}
	}
	return "", nil
}

func cutAmp(b []byte) (elem, rest []byte) {
	if i := bytes.IndexByte(b, '&'); i >= 0 {
		return b[:i], b[i+1:]
	}
	return b, nil
}

// compareNames is the order of a listing: case-insensitive, then bytewise,
// so that the order is total and a cursor names one position.
func compareNames(a, b string) int {
	if c := strings.Compare(strings.ToLower(a), strings.ToLower(b)); c != 0 {
		return c
	}
	return strings.Compare(a, b)
}

// nameHeap keeps the smallest names seen, largest on top.
type nameHeap []fs.DirEntry

func (h nameHeap) Len() int           { return len(h) }
func (h nameHeap) Less(i, j int) bool { return compareNames(h[i].Name(), h[j].Name()) > 0 }
func (h nameHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *nameHeap) Push(x any)        { *h = append(*h, x.(fs.DirEntry)) }
func (h *nameHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// readPage reads dir once and returns the MaxEntries visible entries that
// sort first after the name after ("" for the first page).
func (h *Handler) readPage(t target, dir *os.File, after string) (page, error) {
	limit := h.cfg.MaxEntries
	// One more than a page: whether it fills tells whether a next page exists.
	top := make(nameHeap, 0, min(limit+1, 4096))
	for {
		batch, err := dir.ReadDir(256)
		for _, d := range batch {
			name := d.Name()
			if name[0] == '.' && !h.cfg.Dotfiles || files.IsTempName(name) {
				continue
			}
			if after != "" && compareNames(name, after) <= 0 {
				continue
			}
			if len(top) <= limit {
				heap.Push(&top, d)
			} else if compareNames(name, top[0].Name()) < 0 {
				top[0] = d
				heap.Fix(&top, 0)
			}
		}
		if errors.Is(err, io.EOF) || err == nil && len(batch) == 0 {
			break
		}
		if err != nil {
			return page{}, fmt.Errorf("read directory %q: %w", t.rel, err)
		}
	}
	slices.SortFunc(top, func(a, b fs.DirEntry) int { return compareNames(a.Name(), b.Name()) })
	var pg page
	if len(top) > limit {
		top = top[:limit]
		pg.next = top[limit-1].Name()
	}
	pg.entries = make([]entry, 0, len(top))
	for _, d := range top {
		name := d.Name()
		var fi os.FileInfo
		var ierr error
		if d.Type()&os.ModeSymlink != 0 {
			fi, ierr = h.root.Stat(path.Join(t.rel, name))
		} else {
			fi, ierr = d.Info()
		}
		if ierr != nil {
			continue // vanished, broken, or escaping: not listed
		}
		pg.entries = append(pg.entries, entry{name: name, dir: fi.IsDir(), size: fi.Size(), mod: fi.ModTime()})
	}
	return pg, nil
}

// nextLink is the relative link to the page after pg.
func nextLink(pg page) string {
	if pg.next == "" {
		return ""
	}
	return "?after=" + string(escapeSegment(nil, pg.next))
}

// href is the link to an entry: relative, every byte outside the
// unreserved set percent-encoded, and "/" after a directory.
func href(e entry) string {
	b := make([]byte, 0, len(e.name)+8)
	b = append(b, "./"...)
	b = escapeSegment(b, e.name)
	if e.dir {
		b = append(b, '/')
	}
	return string(b)
}

func listingHTML(display string, pg page, paged bool) []byte {
	title := html.EscapeString("Index of " + display)
	var b strings.Builder
	b.WriteString("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">" +
		"<meta name=\"viewport\" content=\"width=device-width\"><title>")
	b.WriteString(title)
	b.WriteString("</title>\n<style>body{font-family:system-ui,sans-serif;margin:2em}" +
		"td{padding:.1em 1.5em .1em 0;white-space:pre}td.n{text-align:right}</style></head>\n<body><h1>")
	b.WriteString(title)
	b.WriteString("</h1>\n<table>\n<tr><th align=\"left\">Name</th><th align=\"right\">Size</th><th align=\"left\">Modified (UTC)</th></tr>\n")
	if display != "/" {
		b.WriteString("<tr><td><a href=\"../\">../</a></td><td></td><td></td></tr>\n")
	}
	for _, e := range pg.entries {
		name := e.name
		size := strconv.FormatInt(e.size, 10)
		if e.dir {
			name += "/"
			size = "-"
		}
		fmt.Fprintf(&b, "<tr><td><a href=\"%s\">%s</a></td><td class=\"n\">%s</td><td>%s</td></tr>\n",
			href(e), html.EscapeString(name), size, e.mod.UTC().Format("2006-01-02 15:04:05"))
	}
	b.WriteString("</table>\n")
	if paged || pg.next != "" {
		b.WriteString("<p>")
		if paged {
			b.WriteString("<a href=\"./\">First page</a>")
		}
		if next := nextLink(pg); next != "" {
			if paged {
				b.WriteString(" · ")
			}
			fmt.Fprintf(&b, "<a rel=\"next\" href=\"%s\">Next page</a>", next)
		}
		b.WriteString("</p>\n")
	}
	b.WriteString("</body></html>\n")
	return []byte(b.String())
}

type jsonListing struct {
	Path    string      `json:"path"`
	Entries []jsonEntry `json:"entries"`
	// Truncated says more entries follow on the next page.
	Truncated bool `json:"truncated"`
	// Next is the relative link to the next page; NextCursor its cursor,
	// the value of its "after" parameter (percent-encoded, so exact even
	// when a name is not UTF-8). Both absent on the last page.
	Next       string `json:"next,omitempty"`
	NextCursor string `json:"next_cursor,omitempty"`
}

type jsonEntry struct {
	Name     string    `json:"name"`
	Href     string    `json:"href"` // relative, percent-encoded: exact even when name is not UTF-8
	Type     string    `json:"type"` // "file" or "dir"
	Size     int64     `json:"size"`
	Modified time.Time `json:"modified"`
}

func listingJSON(display string, pg page) ([]byte, error) {
	l := jsonListing{Path: display, Entries: make([]jsonEntry, 0, len(pg.entries)), Truncated: pg.next != "", Next: nextLink(pg)}
	if pg.next != "" {
		l.NextCursor = string(escapeSegment(nil, pg.next))
	}
	for _, e := range pg.entries {
		typ := "file"
		if e.dir {
			typ = "dir"
		}
		l.Entries = append(l.Entries, jsonEntry{Name: e.name, Href: href(e), Type: typ, Size: e.size, Modified: e.mod.UTC()})
	}
	b, err := json.Marshal(l)
	if err != nil {
		return nil, fmt.Errorf("listing %q: %w", display, err)
	}
	return append(b, '\n'), nil
}

// wantsJSON reports whether the Accept fields (RFC 9110 §12.5.1) prefer
// application/json to text/html: json must be listed by name with q > 0,
// and weigh at least as much as text/html (or, failing that, text/* or
// */*).
func wantsJSON(req *parser.Request) bool {
	jsonQ := -1
	htmlQ, htmlSpec := -1, 0 // htmlSpec: 3 text/html, 2 text/*, 1 */*
	for _, v := range req.Values("accept") {
		for len(v) > 0 {
			var elem []byte
			elem, v = parser.CutListElement(v)
			typ, q := mediaQ(elem)
			spec := 0
			switch {
			case parser.LowerEqual(typ, "application/json"):
				jsonQ = max(jsonQ, q)
			case parser.LowerEqual(typ, "text/html"):
				spec = 3
			case parser.LowerEqual(typ, "text/*"):
				spec = 2
			case string(typ) == "*/*":
				spec = 1
			}
			if spec > htmlSpec || spec == htmlSpec && spec > 0 && q > htmlQ {
				htmlSpec, htmlQ = spec, q
			}
		}
	}
	return jsonQ > 0 && jsonQ >= htmlQ
}
