package autotune

import (
	"fmt"
	"math"
	"strconv"
	"time"
)

// dur is a duration for people: "850 µs", "210 ms", "3 s", "1.5 s".
func dur(d time.Duration) string {
	switch {
	case d <= 0:
		return "0 s"
	case d < time.Millisecond:
		return fmt.Sprintf("%d µs", d.Microseconds())
	case d < 10*time.Millisecond:
		return trim(float64(d)/1e6, 1) + " ms"
	case d.Round(time.Millisecond) < time.Second:
		return fmt.Sprintf("%d ms", d.Round(time.Millisecond).Milliseconds())
	default:
		return trim(d.Seconds(), 1) + " s"
	}
}

// num is a rate for people: "66", "7.5", "1.2k".
func num(v float64) string {
	switch {
	case math.Abs(v) >= 10000:
		return trim(v/1000, 0) + "k"
	case math.Abs(v) >= 1000:
		return trim(v/1000, 1) + "k"
	case math.Abs(v) >= 10:
		return strconv.FormatFloat(math.Round(v), 'f', -1, 64)
	default:
		return trim(v, 1)
	}
}

// trim formats v with at most prec decimals, without trailing zeros.
func trim(v float64, prec int) string {
	s := strconv.FormatFloat(v, 'f', prec, 64)
	if prec > 0 {
		for s[len(s)-1] == '0' {
			s = s[:len(s)-1]
		}
		if s[len(s)-1] == '.' {
			s = s[:len(s)-1]
		}
	}
	return s
}
