package function

import "math"

// overflowCold is the share of the invocations served that start cold
// when p provisioned instances take them first (see LossAt), computed
// exactly for exponential holding times: the busy provisioned instances i
// (0..p) and the busy on-demand ones j (0..J) are a Markov chain, a
// quasi-birth–death process with level j and phase i:
//
//	(i, j) → (i+1, j) at λ if i < p; (p, j) → (p, j+1) at λ (beyond the
//	provisioned); (i, j) → (i−1, j) at i/w; (i, j) → (i, j−1) at j/h,
//
// w the work's mean and h the on-demand holding time (its cold starts'
// INIT in it). Its stationary distribution π comes from linear level
// reduction (Latouche and Ramaswami, "Introduction to Matrix Analytic
// Methods in Stochastic Modeling", 1999, §10.2: π_{j+1} = π_j R_j, R_j =
// A⁺ (−(A⁰_{j+1} + R_{j+1} A⁻_{j+2}))⁻¹, solved from the top level down;
// A⁺ has λ in (p, p) alone, so R_j has one row). An invocation arriving at
// (p, j) goes to an on-demand instance and is cold when the on-demand
// count has not exceeded j over the last idle timeout T (the instances
// alive are as many as were busy at once in the last T): by PASTA it finds
// (p, j) with probability π(p, j), and looking back T is looking forward T
// in the reversed chain, of rates q̃(x→y) = π(y)q(y→x)/π(x) (Kelly,
// "Reversibility and Stochastic Networks", 1979, §1.7), whose chance of
// keeping j' ≤ j for T from (p, j) is S(j), by uniformization. So
//
//	cold = Σ_{j<m} π(p, j) S(j) ÷ (1 − π(p, m)),
//
// m = c − p the on-demand instances the concurrency allows (π(p, m) the
// throttled share); the levels are cut at J = min(m, λh + 10√(λh) + 20),
// beyond which the on-demand count (at most an M/M/∞ of all arrivals) goes
// with a chance below e^(−40). poolCold is the cold share of the invocations
// the on-demand instances serve. ok is false when that would take more than
// maxPassageWork steps × states, and nothing is computed.
func (f *Function) overflowCold(lambda, work, hold float64) (cold, poolCold float64, ok bool) {
	p, m := f.Provisioned, f.Concurrency-f.Provisioned
	a := float64(lambda * hold)
	levels := min(m, int(math.Ceil(a+float64(10*math.Sqrt(a))+20)))
	n := p + 1
	muP, muO := 1/work, 1/hold
	top := float64(float64(lambda+float64(float64(p)*muP)) + float64(float64(levels)*muO))
	q := float64(top * f.IdleTimeout)
	steps := q + float64(10*math.Sqrt(q)) + 20
	cost := float64(float64(levels+1)*float64(n*n*n)) + float64(float64(steps*float64(n))*float64((levels+1)*(levels+2)/2))
	if cost > maxPassageWork || !(work > 0) || !(hold > 0) {
		return 0, 0, false
	}
	// out is a state's rate of leaving.
	out := func(i, j int) float64 {
		r := float64(float64(i)*muP) + float64(float64(j)*muO)
		if i < p || j < levels {
			r += lambda
		}
		return r
	}
	// local is −A⁰_j: the rates within level j, negated.
	local := func(j int) [][]float64 {
		mat := make([][]float64, n)
		for i := range mat {
			mat[i] = make([]float64, n)
			mat[i][i] = out(i, j)
			if i < p {
				mat[i][i+1] = -lambda
			}
			if i > 0 {
				mat[i][i-1] = -float64(float64(i) * muP)
			}
		}
		return mat
	}
	// r[j] is the one row of R_j (row p): π_{j+1} = π_j(p) · r[j].
	r := make([][]float64, levels)
	mat := local(levels)
	for j := levels - 1; j >= 0; j-- {
		row, good := rowOfInverse(mat, p)
		if !good {
			return 0, 0, false
		}
		for k := range row {
			row[k] *= lambda
		}
		r[j] = row
		mat = local(j)
		for k := range mat[p] {
			mat[p][k] -= float64(float64(float64(j+1)*muO) * row[k])
		}
	}
	// π_0 M_0 = 0, normalised after.
	pi := make([][]float64, levels+1)
	pi[0] = nullRow(mat)
	if pi[0] == nil {
		return 0, 0, false
	}
	for j := 1; j <= levels; j++ {
		pi[j] = make([]float64, n)
		for k := range pi[j] {
			pi[j][k] = float64(pi[j-1][p] * r[j-1][k])
		}
	}
	total := 0.0
	for _, level := range pi {
		for _, x := range level {
			total += x
		}
	}
	for _, level := range pi {
		for k := range level {
			level[k] /= total
		}
	}
	var coldMass, poolMass float64
	for j := 0; j <= levels && j < m; j++ {
		s := f.reversedStay(pi, lambda, muP, muO, top, j)
		coldMass += float64(pi[j][p] * s)
		poolMass += pi[j][p]
	}
	served := 1.0
	if levels == m {
		served -= pi[m][p]
	}
	if !(served > 0) || !(poolMass > 0) {
		return 0, 0, true
	}
	return coldMass / served, coldMass / poolMass, true
}

// reversedStay is the chance that the reversed chain of overflowCold,
// started at (p, j), keeps its on-demand count at or below j for the idle
// timeout: uniformization at rate top, the mass that would pass above j
// lost, each step's mass weighted by the Poisson probability of that many
// steps (as survival does).
func (f *Function) reversedStay(pi [][]float64, lambda, muP, muO, top float64, j int) float64 {
	p := len(pi[0]) - 1
	q := float64(top * f.IdleTimeout)
	if q == 0 {
		return 1
	}
	cur := make([][]float64, j+1)
	next := make([][]float64, j+1)
	for l := range cur {
		cur[l], next[l] = make([]float64, p+1), make([]float64, p+1)
	}
	cur[j][p] = 1
	// rate is q̃(x→y) = π(y) q(y→x) ÷ π(x), 0 where π(x) is.
	rate := func(pix, piy, forward float64) float64 {
		if pix <= 0 {
			return 0
		}
		return float64(piy*forward) / pix
	}
	logq := math.Log(q)
	spread := float64(10*math.Sqrt(q)) + 20
	from, to := int(q-spread), int(q+spread)
	total, mass := 0.0, 1.0
	for step := 0; step <= to && mass > 1e-300; step++ {
		if step >= from {
			lg, _ := math.Lgamma(float64(step + 1))
			total += float64(math.Exp(float64(float64(step)*logq)-q-lg) * mass)
		}
		for l := range next {
			clear(next[l])
		}
		mass = 0
		for l := 0; l <= j; l++ {
			for i, x := range cur[l] {
				if x == 0 {
					continue
				}
				pix := pi[l][i]
				left := x
				move := func(toL, toI int, r float64) {
					if r <= 0 {
						return
					}
					y := float64(x*r) / top
					left -= y
					if toL <= j {
						next[toL][toI] += y
					}
				}
				if i > 0 { // reversed of an arrival to a provisioned instance
					move(l, i-1, rate(pix, pi[l][i-1], lambda))
				}
				if i < p { // reversed of a provisioned completion
					move(l, i+1, rate(pix, pi[l][i+1], float64(float64(i+1)*muP)))
				}
				if i == p && l > 0 { // reversed of an arrival beyond them
					move(l-1, p, rate(pix, pi[l-1][p], lambda))
				}
				if l+1 < len(pi) { // reversed of an on-demand completion
					move(l+1, i, rate(pix, pi[l+1][i], float64(float64(l+1)*muO)))
				}
				next[l][i] += left
			}
		}
		for l := range next {
			for _, y := range next[l] {
				mass += y
			}
		}
		cur, next = next, cur
	}
	return total
}

// rowOfInverse is row k of the inverse of the square matrix a (x with
// x·a = e_k), by Gaussian elimination with partial pivoting on aᵀ; ok is
// false for a singular a.
func rowOfInverse(a [][]float64, k int) ([]float64, bool) {
	n := len(a)
	t := make([][]float64, n) // aᵀ | e_k
	for i := range t {
		t[i] = make([]float64, n+1)
		for j := range n {
			t[i][j] = a[j][i]
		}
	}
	t[k][n] = 1
	return solve(t)
}

// nullRow is x with x·a = 0 and Σx = 1, for a singular a whose left null
// space is one line (a generator's): aᵀ with its first equation replaced
// by the sum.
func nullRow(a [][]float64) []float64 {
	n := len(a)
	t := make([][]float64, n)
	for i := range t {
		t[i] = make([]float64, n+1)
		for j := range n {
			t[i][j] = a[j][i]
		}
	}
	for j := range n {
		t[0][j] = 1
	}
	t[0][n] = 1
	x, ok := solve(t)
	if !ok {
		return nil
	}
	return x
}

// solve solves the augmented system t (n rows of n coefficients and the
// right-hand side), in place.
func solve(t [][]float64) ([]float64, bool) {
	n := len(t)
	for c := range n {
		best := c
		for i := c + 1; i < n; i++ {
			if math.Abs(t[i][c]) > math.Abs(t[best][c]) {
				best = i
			}
		}
		if t[best][c] == 0 {
			return nil, false
		}
		t[c], t[best] = t[best], t[c]
		for i := c + 1; i < n; i++ {
			if f := t[i][c] / t[c][c]; f != 0 {
				for j := c; j <= n; j++ {
					t[i][j] -= float64(f * t[c][j])
				}
			}
		}
	}
	x := make([]float64, n)
	for i := n - 1; i >= 0; i-- {
		s := t[i][n]
		for j := i + 1; j < n; j++ {
			s -= float64(t[i][j] * x[j])
		}
		x[i] = s / t[i][i]
	}
	return x, true
}
