package static_test

import (
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"pipehttp/static"
)

// hostile are file names that break naive listings: markup, entities,
// quotes, spaces, percent signs, URL delimiters, a scheme-like colon,
// unicode, control characters.
var hostile = []string{
	"<script>alert(1)<script>.html",
	"<img src=x onerror=alert(1)>",
	"a&b&amp;c.txt",
	`"double" 'single'.txt`,
	"with space.txt",
	"100%.txt",
	"%41.txt",
	"q?x=1#frag.txt",
	"javascript:alert(1)",
	"ünïcödé 日本語.txt",
	"new\nline.txt",
	"tab\there.txt",
	"plus+sign.txt",
	"back\\slash.txt",
	"dir <b>bold",
}

// TestListingHostileNames lists a directory of hostile names as HTML and as
// JSON, then follows every link: each must lead back to its file.
func TestListingHostileNames(t *testing.T) {
	root := t.TempDir()
	must(t, os.Mkdir(filepath.Join(root, "h"), 0o755))
	for _, name := range hostile {
		p := filepath.Join(root, "h", name)
		if strings.HasPrefix(name, "dir ") {
			must(t, os.Mkdir(p, 0o755))
			continue
		}
		must(t, os.WriteFile(p, []byte("content of "+name), 0o644))
	}
	c := dial(t, start(t, root, static.Config{}))

	t.Run("html", func(t *testing.T) {
		r := c.Request("GET", "/h/")
		if r.Status != 200 || r.Get(t, "Content-Type") != "text/html; charset=utf-8" {
			t.Fatalf("%d %q", r.Status, r.Get(t, "Content-Type"))
		}
		body := string(r.Body)
		for _, bad := range []string{"<script>", "<img", "<b>", `"double"`, "&b&"} {
			if strings.Contains(body, bad) {
				t.Errorf("listing holds unescaped %q", bad)
			}
		}
		links := regexp.MustCompile(`<a href="([^"]*)">([^<]*)</a>`).FindAllStringSubmatch(body, -1)
		var names []string
		for _, l := range links {
			href, text := l[1], unescapeHTML(l[2])
			if href == "../" {
				continue
			}
			if strings.ContainsAny(href, " <>'&?#:") {
				t.Errorf("href %q is not fully escaped", href)
			}
			decoded, err := url.PathUnescape(strings.TrimPrefix(href, "./"))
			if err != nil {
				t.Fatalf("href %q: %v", href, err)
			}
			if decoded != text {
				t.Errorf("href %q decodes to %q, shown as %q", href, decoded, text)
			}
			names = append(names, strings.TrimSuffix(text, "/"))
			if strings.HasSuffix(text, "/") {
				continue
			}
			got := c.Request("GET", "/h/"+strings.TrimPrefix(href, "./"))
			if got.Status != 200 || string(got.Body) != "content of "+text {
				t.Errorf("following %q: %d %q", href, got.Status, got.Body)
			}
		}
		want := slices.Clone(hostile)
		slices.SortFunc(want, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) })
		if !slices.Equal(names, want) {
			t.Errorf("listed\n%q\nwant (sorted)\n%q", names, want)
		}
	})

	t.Run("json", func(t *testing.T) {
		r := c.Request("GET", "/h/", "Accept: application/json")
		if r.Status != 200 || r.Get(t, "Content-Type") != "application/json" {
			t.Fatalf("%d %q", r.Status, r.Get(t, "Content-Type"))
		}
		if v := r.Get(t, "Vary"); !strings.Contains(v, "Accept") {
			t.Errorf("Vary %q lacks Accept", v)
		}
		var l struct {
			Path    string `json:"path"`
			Entries []struct {
				Name, Href, Type string
				Size             int64
				Modified         time.Time
			} `json:"entries"`
		}
		if err := json.Unmarshal(r.Body, &l); err != nil {
			t.Fatalf("%v\n%s", err, r.Body)
		}
		if l.Path != "/h/" || len(l.Entries) != len(hostile) {
			t.Fatalf("path %q, %d entries, want /h/ and %d", l.Path, len(l.Entries), len(hostile))
		}
		for _, e := range l.Entries {
			if e.Type == "dir" {
				if !strings.HasSuffix(e.Href, "/") {
					t.Errorf("dir %q href %q", e.Name, e.Href)
				}
				continue
			}
			if e.Type != "file" || e.Size != int64(len("content of "+e.Name)) || time.Since(e.Modified) > time.Hour {
				t.Errorf("entry %+v", e)
			}
			got := c.Request("GET", "/h/"+strings.TrimPrefix(e.Href, "./"))
			if string(got.Body) != "content of "+e.Name {
				t.Errorf("following %q: %d %q", e.Href, got.Status, got.Body)
			}
		}
	})
}

// TestListingNegotiation: JSON only when the client prefers it (RFC 9110
// §12.5.1); a browser's Accept gets HTML.
func TestListingNegotiation(t *testing.T) {
	s := newSite(t)
	c := dial(t, start(t, s.root, static.Config{}))
	tests := []struct {
		accept, ctype string
	}{
		{"", "text/html; charset=utf-8"},
		{"Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "text/html; charset=utf-8"},
		{"Accept: application/json", "application/json"},
		{"Accept: application/json, */*;q=0.5", "application/json"},
		{"Accept: text/html;q=0.5, application/json", "application/json"},
		{"Accept: text/html, application/json;q=0.5", "text/html; charset=utf-8"},
		{"Accept: application/json;q=0", "text/html; charset=utf-8"},
		{"Accept: */*", "text/html; charset=utf-8"},
	}
	for _, tc := range tests {
		var hdr []string
		if tc.accept != "" {
			hdr = append(hdr, tc.accept)
		}
		if r := c.Request("GET", "/site/sub/", hdr...); r.Get(t, "Content-Type") != tc.ctype {
			t.Errorf("%q: %q, want %q", tc.accept, r.Get(t, "Content-Type"), tc.ctype)
		}
	}
}

func unescapeHTML(s string) string {
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&", "&#34;", `"`, "&#39;", "'", "&quot;", `"`).Replace(s)
}
