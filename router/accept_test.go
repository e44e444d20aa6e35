package router_test

import (
	"testing"

	"pipehttp/router"
)

func TestAcceptsGzip(t *testing.T) {
	tests := []struct {
		name   string
		fields []string // name, value pairs
		want   bool
	}{
		{name: "no field", want: false},
		{name: "other fields only", fields: []string{"Accept", "gzip"}, want: false},
		{name: "empty value", fields: []string{"Accept-Encoding", ""}, want: false},
		{name: "gzip", fields: []string{"Accept-Encoding", "gzip"}, want: true},
		{name: "x-gzip", fields: []string{"Accept-Encoding", "x-gzip"}, want: true},
		{name: "coding case", fields: []string{"Accept-Encoding", "GZip"}, want: true},
		{name: "field name case", fields: []string{"accept-ENCODING", "gzip"}, want: true},
		{name: "list", fields: []string{"Accept-Encoding", "deflate, gzip, br"}, want: true},
		{name: "list no spaces", fields: []string{"Accept-Encoding", "deflate,gzip,br"}, want: true},
		{name: "list tabs", fields: []string{"Accept-Encoding", "deflate,\tgzip\t,br"}, want: true},
		{name: "empty elements", fields: []string{"Accept-Encoding", ", ,gzip,,"}, want: true},
		{name: "not listed", fields: []string{"Accept-Encoding", "deflate, br"}, want: false},
		{name: "identity only", fields: []string{"Accept-Encoding", "identity"}, want: false},
		{name: "invalid coding", fields: []string{"Accept-Encoding", "invalid-encoding-1, invalid-encoding-2"}, want: false},
		{name: "prefix is not gzip", fields: []string{"Accept-Encoding", "gzipx, xgzip, gz"}, want: false},

		{name: "q=1", fields: []string{"Accept-Encoding", "gzip;q=1"}, want: true},
		{name: "q=1.000", fields: []string{"Accept-Encoding", "gzip;q=1.000"}, want: true},
		{name: "q=1.", fields: []string{"Accept-Encoding", "gzip;q=1."}, want: true},
		{name: "q=0.5", fields: []string{"Accept-Encoding", "gzip;q=0.5"}, want: true},
		{name: "q=0.001", fields: []string{"Accept-Encoding", "gzip;q=0.001"}, want: true},
		{name: "q=0", fields: []string{"Accept-Encoding", "gzip;q=0"}, want: false},
		{name: "q=0.", fields: []string{"Accept-Encoding", "gzip;q=0."}, want: false},
		{name: "q=0.000", fields: []string{"Accept-Encoding", "gzip;q=0.000"}, want: false},
		{name: "Q uppercase", fields: []string{"Accept-Encoding", "gzip;Q=0.8"}, want: true},
		{name: "spaces around ; and =", fields: []string{"Accept-Encoding", "gzip ; q = 0.8 "}, want: true},
		{name: "spaces q=0", fields: []string{"Accept-Encoding", " gzip ;\tq= 0 "}, want: false},
		{name: "x-gzip q=0", fields: []string{"Accept-Encoding", "x-gzip;q=0"}, want: false},

		{name: "malformed q=1.5", fields: []string{"Accept-Encoding", "gzip;q=1.5"}, want: false},
		{name: "malformed q=1.001", fields: []string{"Accept-Encoding", "gzip;q=1.001"}, want: false},
		{name: "malformed q=2", fields: []string{"Accept-Encoding", "gzip;q=2"}, want: false},
		{name: "malformed four decimals", fields: []string{"Accept-Encoding", "gzip;q=0.5000"}, want: false},
		{name: "malformed .5", fields: []string{"Accept-Encoding", "gzip;q=.5"}, want: false},
		{name: "malformed -1", fields: []string{"Accept-Encoding", "gzip;q=-1"}, want: false},
		{name: "malformed letters", fields: []string{"Accept-Encoding", "gzip;q=abc"}, want: false},
		{name: "malformed 0.5x", fields: []string{"Accept-Encoding", "gzip;q=0.5x"}, want: false},
		{name: "malformed empty q", fields: []string{"Accept-Encoding", "gzip;q="}, want: false},
		{name: "malformed no =", fields: []string{"Accept-Encoding", "gzip;q"}, want: false},
		{name: "malformed empty param", fields: []string{"Accept-Encoding", "gzip;"}, want: false},
		{name: "malformed other param", fields: []string{"Accept-Encoding", "gzip;level=1"}, want: false},
		{name: "malformed two weights", fields: []string{"Accept-Encoding", "gzip;q=1;q=0.5"}, want: false},
		{name: "malformed does not spoil others", fields: []string{"Accept-Encoding", "br;q=x, gzip"}, want: true},

		{name: "star", fields: []string{"Accept-Encoding", "*"}, want: true},
		{name: "star q", fields: []string{"Accept-Encoding", "br, *;q=0.1"}, want: true},
		{name: "star q=0", fields: []string{"Accept-Encoding", "*;q=0"}, want: false},
		{name: "gzip beats star refusal", fields: []string{"Accept-Encoding", "gzip, *;q=0"}, want: true},
		{name: "gzip refusal beats star", fields: []string{"Accept-Encoding", "gzip;q=0, *"}, want: false},
		{name: "malformed gzip beats star", fields: []string{"Accept-Encoding", "gzip;q=9, *"}, want: false},

		{name: "second field", fields: []string{"Accept-Encoding", "br", "Accept-Encoding", "gzip"}, want: true},
		{name: "fields apart", fields: []string{"Accept-Encoding", "br", "User-Agent", "x", "accept-encoding", "GZIP;q=0.3"}, want: true},
		{name: "refusal in second field", fields: []string{"Accept-Encoding", "gzip", "Accept-Encoding", "gzip;q=0"}, want: false},
		{name: "star in one field gzip refused in other", fields: []string{"Accept-Encoding", "*", "Accept-Encoding", "gzip;q=0"}, want: false},
		{name: "repeated gzip both fine", fields: []string{"Accept-Encoding", "gzip;q=0.2, gzip"}, want: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := newRequest("GET", "/", tc.fields...)
			if got := router.AcceptsGzip(req); got != tc.want {
				t.Errorf("AcceptsGzip(%q) = %v, want %v", tc.fields, got, tc.want)
			}
		})
	}
}
