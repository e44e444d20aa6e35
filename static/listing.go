package static

import (
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"pipehttp/parser"
	"pipehttp/response"
	"pipehttp/router"
)

// DefaultMaxEntries is Config.MaxEntries's default.
const DefaultMaxEntries = 10000

// entry is one line of a directory listing.
type entry struct {
	name string
	dir  bool
	size int64
	mod  time.Time
}

// listing answers a directory without an index: HTML, or JSON when the
// client prefers application/json. Dotfiles are left out unless
// Config.Dotfiles; symlinks are shown as what they point to, and left out
// when that is outside the root or missing.
func (h *Handler) listing(req *parser.Request, resp *response.Response, t target, dir *os.File) error {
	entries, truncated, err := h.readDir(t, dir)
	if err != nil {
		return err
	}
	slices.SortFunc(entries, func(a, b entry) int {
		if c := strings.Compare(strings.ToLower(a.name), strings.ToLower(b.name)); c != 0 {
			return c
		}
		return strings.Compare(a.name, b.name)
	})
	display := "/"
	if t.rel != "." {
		display = "/" + t.rel + "/"
	}
	var body []byte
	if wantsJSON(req) {
		resp.ContentType = "application/json"
		body, err = listingJSON(display, entries, truncated)
		if err != nil {
			return err
		}
	} else {
		resp.ContentType = "text/html; charset=utf-8"
		body = listingHTML(display, entries, truncated)
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

// readDir reads up to MaxEntries visible entries of dir, in directory
// order, and reports whether there were more.
func (h *Handler) readDir(t target, dir *os.File) ([]entry, bool, error) {
	limit := h.cfg.MaxEntries
	var out []entry
	for {
		batch, err := dir.ReadDir(256)
		for _, d := range batch {
			name := d.Name()
			if name[0] == '.' && !h.cfg.Dotfiles {
				continue
			}
			if len(out) == limit {
				return out, true, nil
			}
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
			out = append(out, entry{name: name, dir: fi.IsDir(), size: fi.Size(), mod: fi.ModTime()})
		}
		if errors.Is(err, io.EOF) || err == nil && len(batch) == 0 {
			return out, false, nil
		}
		if err != nil {
			return nil, false, fmt.Errorf("read directory %q: %w", t.rel, err)
		}
	}
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

func listingHTML(display string, entries []entry, truncated bool) []byte {
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
	for _, e := range entries {
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
	if truncated {
		fmt.Fprintf(&b, "<p>Only the first %d entries (in directory order) are listed.</p>\n", len(entries))
	}
	b.WriteString("</body></html>\n")
	return []byte(b.String())
}

type jsonListing struct {
	Path      string      `json:"path"`
	Entries   []jsonEntry `json:"entries"`
	Truncated bool        `json:"truncated"`
}

type jsonEntry struct {
	Name     string    `json:"name"`
	Href     string    `json:"href"` // relative, percent-encoded: exact even when name is not UTF-8
	Type     string    `json:"type"` // "file" or "dir"
	Size     int64     `json:"size"`
	Modified time.Time `json:"modified"`
}

func listingJSON(display string, entries []entry, truncated bool) ([]byte, error) {
	l := jsonListing{Path: display, Entries: make([]jsonEntry, 0, len(entries)), Truncated: truncated}
	for _, e := range entries {
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
	for _, v := range all(req, "accept") {
		for len(v) > 0 {
			var elem []byte
			elem, v = cutComma(v)
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
