package main

import (
	"fmt"
	"math"
	"strings"
)

// A panel is one chart: requests/s (left axis) and p99 (right axis) against
// one flag's values, spaced evenly.
type panel struct {
	xlabel string
	points []point
}

const (
	panelW, panelH = 460, 300
	padL, padR     = 64, 64
	padT, padB     = 40, 56
)

// chart draws the panels side by side as one self-contained SVG.
func chart(title string, panels []panel) string {
	var b strings.Builder
	w := panelW * len(panels)
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n", w, panelH+24, w, panelH+24)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(&b, `<text x="%d" y="18" text-anchor="middle" font-size="14" font-weight="bold">%s</text>`+"\n", w/2, escape(title))
	for i, p := range panels {
		drawPanel(&b, float64(i*panelW), 24, p)
	}
	b.WriteString("</svg>\n")
	return b.String()
}

func drawPanel(b *strings.Builder, ox, oy float64, p panel) {
	x0, x1 := ox+padL, ox+panelW-padR
	y0, y1 := oy+panelH-padB, oy+padT // bottom, top
	maxRPS, maxP99 := 0.0, 0.0
	for _, pt := range p.points {
		maxRPS, maxP99 = math.Max(maxRPS, pt.rps), math.Max(maxP99, pt.p99)
	}
	maxRPS, maxP99 = niceCeil(maxRPS), niceCeil(maxP99)
	n := len(p.points)
	xAt := func(i int) float64 {
		if n == 1 {
			return (x0 + x1) / 2
		}
		return x0 + float64(i)*(x1-x0)/float64(n-1)
	}
	yAt := func(v, top float64) float64 { return y0 - v/top*(y0-y1) }

	// Frame, grid and axis labels.
	fmt.Fprintf(b, `<rect x="%.0f" y="%.0f" width="%.0f" height="%.0f" fill="none" stroke="#999"/>`+"\n", x0, y1, x1-x0, y0-y1)
	for k := 0; k <= 4; k++ {
		y := y0 - float64(k)*(y0-y1)/4
		fmt.Fprintf(b, `<line x1="%.0f" y1="%.1f" x2="%.0f" y2="%.1f" stroke="#eee"/>`+"\n", x0, y, x1, y)
		fmt.Fprintf(b, `<text x="%.0f" y="%.1f" text-anchor="end" fill="#1f5fbf">%s</text>`+"\n", x0-4, y+4, short(maxRPS*float64(k)/4))
		fmt.Fprintf(b, `<text x="%.0f" y="%.1f" fill="#c0392b">%s</text>`+"\n", x1+4, y+4, short(maxP99*float64(k)/4))
	}
	for i, pt := range p.points {
		fmt.Fprintf(b, `<text x="%.1f" y="%.0f" text-anchor="middle">%d</text>`+"\n", xAt(i), y0+16, pt.x)
	}
	fmt.Fprintf(b, `<text x="%.0f" y="%.0f" text-anchor="middle">%s</text>`+"\n", (x0+x1)/2, y0+36, escape(p.xlabel))
	fmt.Fprintf(b, `<text transform="translate(%.0f %.0f) rotate(-90)" text-anchor="middle" fill="#1f5fbf">requests/s</text>`+"\n", ox+14, (y0+y1)/2)
	fmt.Fprintf(b, `<text transform="translate(%.0f %.0f) rotate(90)" text-anchor="middle" fill="#c0392b">p99 ms</text>`+"\n", ox+panelW-12, (y0+y1)/2)

	// The two series.
	series := func(val func(point) float64, top float64, color string) {
		var pts []string
		for i, pt := range p.points {
			if pt.err != "" && val(pt) == 0 {
				continue
			}
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", xAt(i), yAt(val(pt), top)))
		}
		fmt.Fprintf(b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="2"/>`+"\n", strings.Join(pts, " "), color)
		for _, xy := range pts {
			x, y, _ := strings.Cut(xy, ",")
			fmt.Fprintf(b, `<circle cx="%s" cy="%s" r="3" fill="%s"/>`+"\n", x, y, color)
		}
	}
	series(func(pt point) float64 { return pt.rps }, maxRPS, "#1f5fbf")
	series(func(pt point) float64 { return pt.p99 }, maxP99, "#c0392b")
}

// niceCeil rounds v up to 1, 2 or 5 times a power of ten.
func niceCeil(v float64) float64 {
	if v <= 0 || math.IsNaN(v) {
		return 1
	}
	e := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if v <= m*e {
			return m * e
		}
	}
	return 10 * e
}

func short(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%gM", math.Round(v/1e5)/10)
	case v >= 1e3:
		return fmt.Sprintf("%gk", math.Round(v/1e2)/10)
	default:
		return fmt.Sprintf("%g", math.Round(v*100)/100)
	}
}

func escape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}
