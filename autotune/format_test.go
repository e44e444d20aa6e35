package autotune

import (
	"testing"
	"time"
)

func TestDur(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0:                          "0 s",
		850 * time.Microsecond:     "850 µs",
		2500 * time.Microsecond:    "2.5 ms",
		210 * time.Millisecond:     "210 ms",
		999_700 * time.Microsecond: "1 s",
		3 * time.Second:            "3 s",
		1500 * time.Millisecond:    "1.5 s",
	} {
		if got := dur(d); got != want {
			t.Errorf("dur(%v) = %q, want %q", d, got, want)
		}
	}
	for v, want := range map[float64]string{66.4: "66", 7.46: "7.5", 1234: "1.2k", 25000: "25k"} {
		if got := num(v); got != want {
			t.Errorf("num(%v) = %q, want %q", v, got, want)
		}
	}
}
