package static_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"pipehttp/files"
	"pipehttp/static"
)

// TestListingPages: a folder larger than a page is listed sorted and
// complete, page by page, by following the HTML "Next page" links or the
// JSON cursors; no name is skipped or repeated.
func TestListingPages(t *testing.T) {
	s := newSite(t)
	dir := filepath.Join(s.root, "big")
	must(t, os.Mkdir(dir, 0o755))
	var want []string
	for _, i := range rand.Perm(230) { // created in random order
		name := fmt.Sprintf("f%03d.txt", i)
		if i%7 == 0 {
			name = fmt.Sprintf("F%03d.TXT", i) // case-insensitive order
		}
		must(t, os.WriteFile(filepath.Join(dir, name), nil, 0o644))
		want = append(want, name)
	}
	must(t, os.Mkdir(filepath.Join(dir, "sub dir"), 0o755))
	must(t, os.WriteFile(filepath.Join(dir, ".hidden"), nil, 0o644))
	want = append(want, "sub dir")
	slices.SortFunc(want, func(a, b string) int {
		if c := strings.Compare(strings.ToLower(a), strings.ToLower(b)); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	c := dial(t, start(t, s.root, static.Config{MaxEntries: 50}))

	t.Run("HTML", func(t *testing.T) {
		link := regexp.MustCompile(`<td><a href="\./([^"]+)">`)
		next := regexp.MustCompile(`<a rel="next" href="([^"]+)">`)
		var got []string
		target, pages := "/big/", 0
		for target != "" {
			r := c.Request("GET", target)
			if r.Status != 200 {
				t.Fatalf("%s: %d", target, r.Status)
			}
			pages++
			for _, m := range link.FindAllStringSubmatch(string(r.Body), -1) {
				got = append(got, strings.TrimSuffix(unescapePath(t, m[1]), "/"))
			}
			target = ""
			if m := next.FindStringSubmatch(string(r.Body)); m != nil {
				target = "/big/" + m[1]
			}
		}
		if !slices.Equal(got, want) || pages != 5 {
			t.Errorf("%d pages, %d names; want 5 pages and all %d in order\ngot  %q\nwant %q", pages, len(got), len(want), got, want)
		}
	})
	t.Run("JSON", func(t *testing.T) {
		var got []string
		target := "/big/"
		for target != "" {
			r := c.Request("GET", target, "Accept: application/json")
			var l struct {
				Entries []struct {
					Name string `json:"name"`
				} `json:"entries"`
				Truncated  bool   `json:"truncated"`
				Next       string `json:"next"`
				NextCursor string `json:"next_cursor"`
			}
			must(t, json.Unmarshal(r.Body, &l))
			for _, e := range l.Entries {
				got = append(got, e.Name)
			}
			if l.Truncated != (l.NextCursor != "") || l.NextCursor != "" && l.Next != "?after="+l.NextCursor {
				t.Fatalf("inconsistent page: %+v", l)
			}
			target = ""
			if l.NextCursor != "" {
				target = "/big/?after=" + l.NextCursor
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("JSON pages: %d names, want all %d in order", len(got), len(want))
		}
	})
	t.Run("cursor past the end", func(t *testing.T) {
		r := c.Request("GET", "/big/?after=zzz", "Accept: application/json")
		if r.Status != 200 || !strings.Contains(string(r.Body), `"entries":[]`) || strings.Contains(string(r.Body), "next") {
			t.Errorf("%d %s", r.Status, r.Body)
		}
	})
	t.Run("bad cursor", func(t *testing.T) {
		if r := c.Request("GET", "/big/?after=%zz"); r.Status != 400 {
			t.Errorf("%d, want 400", r.Status)
		}
	})
}

// TestTempFilesInvisible: upload temp files are never served nor listed,
// --dotfiles included; with --root and --directory the same folder, a live
// upload is not visible half-written, under its name or its temp name.
func TestTempFilesInvisible(t *testing.T) {
	s := newSite(t)
	s.write(t, ".left.txt.upload-0123456789abcdef", []byte("a crash left this"))
	store, err := files.Open(s.root)
	must(t, err)
	defer store.Close()
	live, err := store.Create("report.txt", 0)
	must(t, err)
	if _, err := live.Write([]byte("half")); err != nil {
		t.Fatal(err)
	}
	var tmp string
	entries, _ := os.ReadDir(s.root)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".report.txt.upload-") {
			tmp = e.Name()
		}
	}
	if tmp == "" {
		t.Fatal("no temp file for the live upload")
	}
	c := dial(t, start(t, s.root, static.Config{Dotfiles: true}))
	for _, p := range []string{"/.left.txt.upload-0123456789abcdef", "/" + tmp, "/report.txt"} {
		if r := c.Request("GET", p); r.Status != 404 {
			t.Errorf("GET %s: %d, want 404", p, r.Status)
		}
	}
	if r := c.Request("GET", "/.secret"); r.Status != 200 {
		t.Errorf("--dotfiles: a dotfile is %d", r.Status)
	}
	for _, accept := range []string{"text/html", "application/json"} {
		r := c.Request("GET", "/", "Accept: "+accept)
		if strings.Contains(string(r.Body), ".upload-") || !strings.Contains(string(r.Body), ".secret") {
			t.Errorf("%s listing shows a temp file, or hides dotfiles:\n%s", accept, r.Body)
		}
	}
	if _, err := live.Commit(); err != nil {
		t.Fatal(err)
	}
	if r := c.Request("GET", "/report.txt"); r.Status != 200 || string(r.Body) != "half" {
		t.Errorf("after commit: %d %q", r.Status, r.Body)
	}
}

func unescapePath(t *testing.T, s string) string {
	t.Helper()
	u, err := url.PathUnescape(s)
	must(t, err)
	return u
}
