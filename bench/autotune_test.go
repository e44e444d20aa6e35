package main

import (
	"math"
	"strings"
	"testing"
)

func TestSettled(t *testing.T) {
	for _, tc := range []struct {
		ys   []float64
		want int
	}{
		{[]float64{50, 50, 100, 200, 390, 390, 390, 390}, 3}, // (200+390+390)/3 = 327 ≥ 300
		{[]float64{390, 390, 390, 100, 100, 100}, -1},        // fell away for good
		{[]float64{390, 390, 390}, 0},
		{[]float64{390, 390}, -1}, // too short for one average
		{[]float64{100, 390, 390, 390, 50, 390, 390, 390, 390}, 5},
	} {
		if got := settled(tc.ys, 300); got != tc.want {
			t.Errorf("settled(%v) = %d, want %d", tc.ys, got, tc.want)
		}
	}
}

func TestTSChart(t *testing.T) {
	ys := []float64{1, 2, math.NaN(), 4}
	svg := tsChart("t", 2, []tsPanel{
		{title: "a", left: "ms", logLeft: true, seconds: 4, series: []tsSeries{{name: "p99", color: "red", ys: ys}},
			refs: []tsRef{{name: "target", color: "blue", y: 3}}, marks: []tsMark{{t: 1.5, label: "x"}}},
		{title: "b", left: "n", right: "workers", seconds: 4, series: []tsSeries{{name: "w", color: "green", right: true, step: true, ys: []float64{1, 1, 2, 2}}}},
	})
	if !strings.HasPrefix(svg, "<svg") || strings.Count(svg, "<polyline") != 2 || !strings.Contains(svg, "stroke-dasharray=\"6,4\"") {
		t.Fatalf("chart:\n%s", svg)
	}
	if strings.Contains(svg, "NaN") {
		t.Errorf("NaN in the chart")
	}
}
