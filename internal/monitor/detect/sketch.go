package detect

import (
	"math"
	"math/bits"

	"github.com/cespare/xxhash/v2"
)

// countMin is a count-min sketch of 4 rows, reset by its owner per epoch.
type countMin struct {
	rows [4][]uint16
	mask uint64
}

func newCountMin(width int) *countMin {
	w := 1 << bits.Len(uint(width-1))
	c := &countMin{mask: uint64(w - 1)} // #nosec G115 -- w is a positive power of two
	for i := range c.rows {
		c.rows[i] = make([]uint16, w)
	}
	return c
}

// add counts key and returns its estimated count.
func (c *countMin) add(key string) int {
	h := xxhash.Sum64String(key)
	h1, h2 := h&0xffffffff, h>>32
	est := uint16(math.MaxUint16)
	for i := range c.rows {
		idx := (h1 + uint64(i)*h2) & c.mask
		v := c.rows[i][idx]
		if v < math.MaxUint16 {
			v++
			c.rows[i][idx] = v
		}
		est = min(est, v)
	}
	return int(est)
}

func (c *countMin) reset() {
	for i := range c.rows {
		clear(c.rows[i])
	}
}

// hll is a HyperLogLog of 2^8 registers (about 6.5% standard error).
type hll struct {
	reg [256]uint8
}

func (h *hll) add(v string) bool {
	x := xxhash.Sum64String(v)
	idx := x >> 56
	rho := uint8(bits.LeadingZeros64(x<<8|1<<7)) + 1 // #nosec G115 -- at most 64
	if rho > h.reg[idx] {
		h.reg[idx] = rho
		return true
	}
	return false
}

func (h *hll) estimate() int {
	const m = 256.0
	sum, zeros := 0.0, 0
	for _, r := range h.reg {
		sum += math.Ldexp(1, -int(r))
		if r == 0 {
			zeros++
		}
	}
	e := 0.7182725932495458 * m * m / sum // alpha_256
	if e <= 2.5*m && zeros > 0 {
		e = m * math.Log(m/float64(zeros))
	}
	return int(e + 0.5)
}

// distinct counts distinct values exactly up to exactCap, then by HLL.
type distinct struct {
	exact map[string]struct{}
	h     *hll
	est   int // the HLL's last estimate
}

const exactCap = 64

// add records v and returns by how much the distinct count grew: 0 or 1
// while exact, the growth of the estimate above the cap.
func (d *distinct) add(v string) int {
	if d.h != nil {
		if !d.h.add(v) {
			return 0
		}
		e := d.h.estimate()
		grew := e - d.est
		if grew <= 0 {
			return 0
		}
		d.est = e
		return grew
	}
	if d.exact == nil {
		d.exact = make(map[string]struct{}, 8)
	}
	if _, ok := d.exact[v]; ok {
		return 0
	}
	if len(d.exact) < exactCap {
		d.exact[v] = struct{}{}
		return 1
	}
	d.h = &hll{}
	for k := range d.exact {
		d.h.add(k)
	}
	d.h.add(v)
	d.exact = nil
	d.est = d.h.estimate()
	return max(d.est-exactCap, 1)
}

func (d *distinct) count() int {
	if d.h != nil {
		return d.h.estimate()
	}
	return len(d.exact)
}

func (d *distinct) approximate() bool { return d.h != nil }

func (d *distinct) reset() { d.exact, d.h, d.est = nil, nil, 0 }
