package static_test

import (
	"testing"

	"pipehttp/static"
)

// TestConditional walks RFC 9110 §13: validators on every file response
// (§8.8), each precondition alone, and their precedence (§13.2.2).
func TestConditional(t *testing.T) {
	s := newSite(t)
	c := dial(t, start(t, s.root, static.Config{}))
	first := c.Request("GET", "/hello.txt")
	etag, lastMod := first.Get(t, "ETag"), first.Get(t, "Last-Modified")
	if len(etag) < 3 || etag[0] != '"' || etag[len(etag)-1] != '"' {
		t.Fatalf("ETag %q is not a strong entity-tag", etag)
	}
	if want := oldTime.Format("Mon, 02 Jan 2006 15:04:05 GMT"); lastMod != want {
		t.Fatalf("Last-Modified %q, want %q", lastMod, want)
	}
	const (
		before = "Wed, 01 Jan 2020 00:00:00 GMT"
		after  = "Fri, 01 Jan 2021 00:00:00 GMT"
	)
	weak := "W/" + etag
	tests := []struct {
		name   string
		header []string
		status int
	}{
		{"If-None-Match match (§13.1.2)", []string{"If-None-Match: " + etag}, 304},
		{"If-None-Match weak comparison", []string{"If-None-Match: " + weak}, 304},
		{"If-None-Match in a list", []string{`If-None-Match: "x", ` + etag + `, "y"`}, 304},
		{"If-None-Match across fields", []string{`If-None-Match: "x"`, "If-None-Match: " + etag}, 304},
		{"If-None-Match *", []string{"If-None-Match: *"}, 304},
		{"If-None-Match other", []string{`If-None-Match: "other"`}, 200},
		{"If-None-Match malformed", []string{"If-None-Match: nonsense"}, 200},
		{"If-Modified-Since later (§13.1.3)", []string{"If-Modified-Since: " + after}, 304},
		{"If-Modified-Since exact", []string{"If-Modified-Since: " + lastMod}, 304},
		{"If-Modified-Since earlier", []string{"If-Modified-Since: " + before}, 200},
		{"If-Modified-Since RFC 850 date (§5.6.7)", []string{"If-Modified-Since: Friday, 01-Jan-21 00:00:00 GMT"}, 304},
		{"If-Modified-Since asctime date", []string{"If-Modified-Since: Fri Jan  1 00:00:00 2021"}, 304},
		{"If-Modified-Since invalid is ignored", []string{"If-Modified-Since: yesterday"}, 200},
		{"If-None-Match beats If-Modified-Since: no match", []string{`If-None-Match: "other"`, "If-Modified-Since: " + after}, 200},
		{"If-None-Match beats If-Modified-Since: match", []string{"If-None-Match: " + etag, "If-Modified-Since: " + before}, 304},
		{"If-Match match (§13.1.1)", []string{"If-Match: " + etag}, 200},
		{"If-Match *", []string{"If-Match: *"}, 200},
		{"If-Match other", []string{`If-Match: "other"`}, 412},
		{"If-Match weak never matches", []string{"If-Match: " + weak}, 412},
		{"If-Unmodified-Since later (§13.1.4)", []string{"If-Unmodified-Since: " + after}, 200},
		{"If-Unmodified-Since earlier", []string{"If-Unmodified-Since: " + before}, 412},
		{"If-Match beats If-Unmodified-Since", []string{"If-Match: " + etag, "If-Unmodified-Since: " + before}, 200},
		{"412 beats 304", []string{`If-Match: "other"`, "If-None-Match: " + etag}, 412},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := c.Request("GET", "/hello.txt", tc.header...)
			if r.Status != tc.status {
				t.Fatalf("status %d, want %d", r.Status, tc.status)
			}
			switch tc.status {
			case 304: // §15.4.5: no body, the validators, no Content-Length (the reader checks)
				if len(r.Body) != 0 || r.Get(t, "ETag") != etag || r.Get(t, "Last-Modified") != lastMod {
					t.Errorf("304: body %q ETag %q Last-Modified %q", r.Body, r.Get(t, "ETag"), r.Get(t, "Last-Modified"))
				}
			case 412:
				if string(r.Body) != "412 Precondition Failed\n" || r.Has("ETag") {
					t.Errorf("412: body %q, ETag %q; want the status line as text and no validators", r.Body, r.Get(t, "ETag"))
				}
			case 200:
				if string(r.Body) != "hello, world\n" || r.Get(t, "ETag") != etag {
					t.Errorf("200: %q ETag %q", r.Body, r.Get(t, "ETag"))
				}
			}
		})
	}
	t.Run("a changed file gets a new ETag", func(t *testing.T) {
		s.write(t, "hello.txt", []byte("changed!\n"))
		r := c.Request("GET", "/hello.txt", "If-None-Match: "+etag)
		if r.Status != 200 || string(r.Body) != "changed!\n" || r.Get(t, "ETag") == etag {
			t.Errorf("%d %q ETag %q (old %q)", r.Status, r.Body, r.Get(t, "ETag"), etag)
		}
	})
}
