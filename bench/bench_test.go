package main

import (
	"encoding/xml"
	"math"
	"os"
	"strings"
	"testing"
)

func TestSummarize(t *testing.T) {
	cells := []cell{
		{figures: map[string]float64{"cpu": 3}},
		{figures: map[string]float64{"cpu": 1}},
		{figures: map[string]float64{"cpu": 2}},
		{note: "failed"},
	}
	s := summarize(cells, "cpu")
	if s.med != 2 || s.lo != 1 || s.hi != 3 || s.n != 3 {
		t.Errorf("summarize = %+v, want median 2 over 1–3 from 3 rounds", s)
	}
	if got := s.String(); got != "2.00 (1.00–3.00)" {
		t.Errorf("String = %q", got)
	}
	if got := summarize(nil, "cpu").String(); got != "—" {
		t.Errorf("empty summary = %q, want —", got)
	}
	starved := summarize([]cell{{figures: map[string]float64{"p99": math.Inf(1)}}}, "p99")
	if got := starved.String(); got != "∞" {
		t.Errorf("starved summary = %q, want ∞", got)
	}
}

func TestRatio(t *testing.T) {
	for _, tc := range []struct {
		a, b float64
		want string
	}{
		{2, 4, "0.50×"},
		{1, 0, "—"},
		{math.NaN(), 1, "—"},
		{math.Inf(1), 1, "∞"},
	} {
		if got := ratio(tc.a, tc.b); got != tc.want {
			t.Errorf("ratio(%v, %v) = %q, want %q", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestCPUTicksAndStatus(t *testing.T) {
	if _, err := cpuTicks(os.Getpid()); err != nil {
		t.Fatal(err)
	}
	rss, threads, err := status(os.Getpid())
	if err != nil || rss <= 0 || threads <= 0 {
		t.Fatalf("status = %d bytes, %d threads, %v", rss, threads, err)
	}
}

func TestChartIsWellFormedSVG(t *testing.T) {
	svg := chart("parse stage: keep-alive /echo <&>", []panel{
		{xlabel: "--parse-workers", points: []point{{x: 1, rps: 50000, p99: 2}, {x: 2, rps: 52000, p99: 2.5}, {x: 4, err: "failed"}}},
		{xlabel: "--parse-queue", points: []point{{x: 16, rps: 51000, p99: 1.9}}},
	})
	d := xml.NewDecoder(strings.NewReader(svg))
	for {
		_, err := d.Token()
		if err != nil {
			if err.Error() == "EOF" {
				break
			}
			t.Fatalf("not well-formed: %v\n%s", err, svg)
		}
	}
	if !strings.Contains(svg, "--parse-queue") || !strings.Contains(svg, "&lt;&amp;&gt;") {
		t.Error("labels missing or unescaped")
	}
}

func TestNiceCeil(t *testing.T) {
	for _, tc := range []struct{ in, want float64 }{{0, 1}, {0.7, 1}, {1.3, 2}, {42, 50}, {73000, 100000}} {
		if got := niceCeil(tc.in); got != tc.want {
			t.Errorf("niceCeil(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}
