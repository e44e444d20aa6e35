package response_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"pipehttp/response"
)

func TestError(t *testing.T) {
	tests := []struct {
		name   string
		status int
		form   response.ErrorForm
		ctype  string
		body   string
	}{
		{name: "none", status: 404, form: response.NoErrorBody},
		{name: "text", status: 404, form: response.TextErrorBody, ctype: "text/plain; charset=utf-8", body: "404 Not Found\n"},
		{name: "text 507", status: 507, form: response.TextErrorBody, ctype: "text/plain; charset=utf-8", body: "507 Insufficient Storage\n"},
		{name: "html", status: 403, form: response.HTMLErrorBody, ctype: "text/html; charset=utf-8",
			body: "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>403 Forbidden</title></head>\n<body><h1>403 Forbidden</h1></body></html>\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := os.Create(filepath.Join(t.TempDir(), "f"))
			if err != nil {
				t.Fatal(err)
			}
			r := response.Response{Status: 200, ContentType: "image/png", ContentEncoding: "gzip", Vary: "Accept-Encoding",
				Body: []byte("old body that is longer than any error"), File: f, FileSize: 10,
				Parts: []response.Part{{Data: []byte("x")}}, Fields: []response.Field{{Name: "Allow", Value: "GET"}}}
			r.Error(tc.status, tc.form)
			if r.Status != tc.status || r.ContentType != tc.ctype || string(r.Body) != tc.body {
				t.Errorf("got %d %q %q", r.Status, r.ContentType, r.Body)
			}
			if r.File != nil || len(r.Parts) != 0 || r.ContentEncoding != "" || r.ContentLength() != int64(len(tc.body)) {
				t.Errorf("file, parts or coding left: %+v", r)
			}
			if _, err := f.Stat(); err == nil {
				t.Errorf("the file was not closed")
			}
			if len(r.Fields) != 1 || r.Vary != "Accept-Encoding" {
				t.Errorf("fields or Vary dropped: %v %q", r.Fields, r.Vary)
			}
			head := string(r.AppendHead(nil, []byte("date")))
			if !strings.Contains(head, "Content-Length: "+strconv.Itoa(len(tc.body))+"\r\n") {
				t.Errorf("head:\n%s", head)
			}
		})
	}
}

// TestErrorAllocs: once warm, an error body costs no allocation, so the
// router's 404 stays free.
func TestErrorAllocs(t *testing.T) {
	var r response.Response
	for _, form := range []response.ErrorForm{response.NoErrorBody, response.TextErrorBody, response.HTMLErrorBody} {
		allocs := testing.AllocsPerRun(100, func() {
			r.Reset()
			r.Error(404, form)
		})
		if allocs > 0 {
			t.Errorf("form %d: %v allocations", form, allocs)
		}
	}
}

// TestSharedBody: a shared body is sent as is and never written into when
// the response is reused.
func TestSharedBody(t *testing.T) {
	shared := []byte("cached bytes, shared by many responses")
	want := string(shared)
	for name, recycle := range map[string]func(*response.Response){
		"Reset":   (*response.Response).Reset,
		"Release": func(r *response.Response) { r.Release(); r.Body = r.Body[:0] },
		"Error":   func(r *response.Response) { r.Error(500, response.TextErrorBody) },
	} {
		t.Run(name, func(t *testing.T) {
			var r response.Response
			r.SetSharedBody(shared)
			if r.ContentLength() != int64(len(shared)) {
				t.Fatalf("ContentLength %d", r.ContentLength())
			}
			recycle(&r)
			r.Body = append(r.Body, "overwrite"...)
			if string(shared) != want {
				t.Fatalf("shared bytes changed to %q", shared)
			}
			// Not shared any more: the next reuse keeps the capacity.
			r.Reset()
			if cap(r.Body) == 0 {
				t.Errorf("an owned body lost its capacity")
			}
		})
	}
}
