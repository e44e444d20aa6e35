package parser_test

import (
	"math"
	"testing"

	"pipehttp/parser"
)

func TestLimitsValidate(t *testing.T) {
	tests := []struct {
		name string
		lim  parser.Limits
		ok   bool
	}{
		{"zero means the defaults", parser.Limits{}, true},
		{"the defaults", parser.Limits{}.WithDefaults(), true},
		{"every ceiling", parser.Limits{MaxRequestLine: 1 << 20, MaxHeaderBytes: 1 << 20, MaxHeaders: 10000, MaxBody: 1 << 62}, true},
		{"exported ceilings", parser.Limits{MaxRequestLine: parser.CeilingRequestLine, MaxHeaderBytes: parser.CeilingHeaderBytes,
			MaxHeaders: parser.CeilingHeaders, MaxBody: parser.CeilingBody}, true},
		{"small", parser.Limits{MaxRequestLine: 1, MaxHeaderBytes: 1, MaxHeaders: 1, MaxBody: 1}, true},

		{"MaxRequestLine over 1 MiB", parser.Limits{MaxRequestLine: 1<<20 + 1}, false},
		{"MaxHeaderBytes over 1 MiB", parser.Limits{MaxHeaderBytes: 1<<20 + 1}, false},
		{"MaxHeaders over 10000", parser.Limits{MaxHeaders: 10001}, false},
		{"MaxBody over 1<<62", parser.Limits{MaxBody: 1<<62 + 1}, false},
		{"MaxHeaderBytes of MaxInt (--max-header-bytes 9223372036854775807)", parser.Limits{MaxHeaderBytes: math.MaxInt}, false},
		{"MaxRequestLine of MaxInt", parser.Limits{MaxRequestLine: math.MaxInt}, false},
		{"MaxBody of MaxInt64", parser.Limits{MaxBody: math.MaxInt64}, false},
		{"negative MaxRequestLine", parser.Limits{MaxRequestLine: -1}, false},
		{"negative MaxHeaderBytes", parser.Limits{MaxHeaderBytes: -1}, false},
		{"negative MaxHeaders", parser.Limits{MaxHeaders: -1}, false},
		{"negative MaxBody", parser.Limits{MaxBody: math.MinInt64}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.lim.Validate()
			if (err == nil) != tt.ok {
				t.Fatalf("Validate() = %v, want ok=%v", err, tt.ok)
			}
		})
	}
}
