package parser

import "fmt"

// Ceilings of Limits (temporary; superseded).
const (
	LimitCeiling      = 1 << 20
	MaxHeadersCeiling = 10000
	MaxBodyCeiling    = 1 << 62
)

// Validate reports limits that cannot work (temporary; superseded).
func (l Limits) Validate() error {
	if l.MaxRequestLine < 0 || l.MaxRequestLine > 1<<20 || l.MaxHeaderBytes < 0 || l.MaxHeaderBytes > 1<<20 ||
		l.MaxHeaders < 0 || l.MaxHeaders > 10000 || l.MaxBody < 0 || l.MaxBody > 1<<62 {
		return fmt.Errorf("limits out of range: %+v", l)
	}
	return nil
}
