package sim

import (
	"math"
	"math/rand/v2"
)

// Exponential and normal variates by the ziggurat method (Marsaglia and
// Tsang, "The Ziggurat Method for Generating Random Variables", Journal of
// Statistical Software 5(8), 2000), with the tables built from the paper's
// constants by the portable Exp and Log, so that the same stream gives the
// same variates on every architecture (the standard library's ExpFloat64
// and NormFloat64 compare against math.Exp, whose last bit differs between
// amd64 and arm64). The layer index and the variate take different bits of
// one 64-bit draw, which removes the correlation between them that Doornik
// ("An Improved Ziggurat Method to Generate Normal Random Samples", 2005)
// found in the original.

// Exponential ziggurat: 256 layers, the base's right edge at expR and each
// layer of area expV.
const (
	expLayers = 256
	expR      = 7.69711747013104972
	expV      = 3.949659822581572e-3
)

// Normal ziggurat: 128 layers of half the density, right edge normR, area
// normV.
const (
	normLayers = 128
	normR      = 3.442619855899
	normV      = 9.91256303526217e-3
)

var (
	expK [expLayers]uint32  // a draw below expK[i] is inside layer i's rectangle
	expW [expLayers]float64 // scales a 32-bit draw to layer i's width
	expF [expLayers]float64 // the density at layer i's edge
	norK [normLayers]uint32
	norW [normLayers]float64
	norF [normLayers]float64
)

func init() {
	const m32 = 1 << 32
	de, te := float64(expR), float64(expR)
	q := expV / Exp(-de)
	expK[0] = uint32(de / q * m32)
	expK[1] = 0
	expW[0] = q / m32
	expW[expLayers-1] = de / m32
	expF[0] = 1
	expF[expLayers-1] = Exp(-de)
	for i := expLayers - 2; i >= 1; i-- {
		de = -Log(expV/de + Exp(-de))
		expK[i+1] = uint32(de / te * m32)
		te = de
		expF[i] = Exp(-de)
		expW[i] = de / m32
	}

	const m31 = 1 << 31
	dn, tn := float64(normR), float64(normR)
	q = normV / Exp(float64(-0.5*dn)*dn)
	norK[0] = uint32(dn / q * m31)
	norK[1] = 0
	norW[0] = q / m31
	norW[normLayers-1] = dn / m31
	norF[0] = 1
	norF[normLayers-1] = Exp(float64(-0.5*dn) * dn)
	for i := normLayers - 2; i >= 1; i-- {
		dn = math.Sqrt(-2 * Log(normV/dn+Exp(float64(-0.5*dn)*dn)))
		norK[i+1] = uint32(dn / tn * m31)
		tn = dn
		norF[i] = Exp(float64(-0.5*dn) * dn)
		norW[i] = dn / m31
	}
}

// uniformOpen is a uniform draw in (0, 1], whose logarithm is finite.
func uniformOpen(r *rand.Rand) float64 { return 1 - float64(r.Float64()) }

// ExpVariate draws from the exponential distribution of mean 1.
func ExpVariate(r *rand.Rand) float64 {
	for {
		v := r.Uint64()
		j := uint32(v >> 32)
		i := v & (expLayers - 1)
		x := float64(j) * expW[i]
		if j < expK[i] {
			return x
		}
		if i == 0 {
			return expR - Log(uniformOpen(r)) // the tail beyond expR is expR + Exp(1)
		}
		// The wedge between the rectangle and the curve.
		if float64(r.Float64()*(expF[i-1]-expF[i]))+expF[i] < Exp(-x) {
			return x
		}
	}
}

// NormVariate draws from the standard normal distribution.
func NormVariate(r *rand.Rand) float64 {
	for {
		v := r.Uint64()
		j := int32(uint32(v >> 32))
		i := v & (normLayers - 1)
		x := float64(j) * norW[i]
		if absInt32(j) < norK[i] {
			return x
		}
		if i == 0 {
			// The tail beyond normR (Marsaglia, "Generating a variable from
			// the tail of the normal distribution", Technometrics 6, 1964).
			for {
				t := -Log(uniformOpen(r)) / normR
				y := -Log(uniformOpen(r))
				if y+y >= float64(t*t) {
					if j > 0 {
						return normR + t
					}
					return -normR - t
				}
			}
		}
		if float64(r.Float64()*(norF[i-1]-norF[i]))+norF[i] < Exp(float64(-0.5*x)*x) {
			return x
		}
	}
}

// absInt32 is |j| as an unsigned number, defined for the most negative j.
func absInt32(j int32) uint32 {
	if j < 0 {
		return uint32(-int64(j))
	}
	return uint32(j)
}
