package engine

// versions tells which values a cache holds are stale: older than the
// latest write of their key committed at a database. It exists when the
// topology has a cache.
//
// Every commit takes the next number of one sequence (over every key and
// database: a key names one value wherever it is written). A request that
// reads or writes its key at a database is stamped with the version of
// the value it got: a write's own commit; a read's, the sequence at the
// read (the value reflects every commit of the key so far), unless a
// replica served it before applying the key's latest write (stale). A
// cache stores a value (a fill after a miss, a set) with its request's
// stamp: it is stale if a commit of the key came after the stamp. To know
// that without a record of every key ever written, a stamped request
// holds its key here until its record is released, and each commit of a
// held key is kept as the key's latest: so a fill that raced with a write
// (read the old value, the write committed and invalidated, then the fill
// stored the old value) is stale from the start. A commit also marks the
// key stale in every cache that holds it, unless it is a write-back
// flush, which writes the value the cache holds.
type versions struct {
	seq    uint64
	held   map[int64]heldKey
	caches []KeyCache
}

// heldKey is a key that requests in flight hold: how many, and the
// latest commit of the key since the first of them took it.
type heldKey struct {
	holders int32
	latest  uint64
}

func newVersions() *versions { return &versions{held: map[int64]heldKey{}} }

// committed records a write of key committed at a database by r (a
// write-back flush when flush), stamping r with it.
func (v *versions) committed(r *Request, key int64, flush bool) {
	v.seq++
	if h, ok := v.held[key]; ok {
		h.latest = v.seq
		v.held[key] = h
	}
	if !flush {
		for _, c := range v.caches {
			c.Committed(key)
		}
	}
	v.stamp(r, key, v.seq, false)
}

// read stamps r, which read key at a database: stale when the server
// had not applied the key's latest write.
func (v *versions) read(r *Request, key int64, stale bool) { v.stamp(r, key, v.seq, stale) }

// stamp records that r got key's value as of commit version (stale: older
// than a commit already made), holding the key while r is in flight.
func (v *versions) stamp(r *Request, key int64, version uint64, stale bool) {
	if key < 0 || key != r.Key {
		return
	}
	if !r.held {
		r.held = true
		h := v.held[key]
		h.holders++
		v.held[key] = h
	}
	r.version, r.staleValue = version, stale
}

// staleValue says whether the value r would store for key in a cache now
// is stale: it came from a database (r is stamped), and either was stale
// when read or a commit of key came after it. A value that did not come
// from a database is taken as current.
func (v *versions) staleValue(r *Request, key int64) bool {
	if r == nil || !r.held || key != r.Key {
		return false
	}
	return r.staleValue || v.held[key].latest > r.version
}

// release drops r's hold on its key, its record being freed.
func (v *versions) release(r *Request) {
	if !r.held {
		return
	}
	h := v.held[r.Key]
	if h.holders--; h.holders == 0 {
		delete(v.held, r.Key)
	} else {
		v.held[r.Key] = h
	}
}

// inUse is the bytes of the held keys.
func (v *versions) inUse() float64 { return float64(float64(len(v.held)) * MapEntryBytes) }
