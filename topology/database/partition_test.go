package database

import (
	"fmt"
	"math"
	"testing"

	"github.com/scalesim/scalesim/topology"
)

// TestReshardMoved checks the fraction of keys moving from N to N+1 shards:
// N/(N+1) for modulo hashing; 1/(N+1) for consistent hashing, within four
// standard deviations of the new shard's share of a ring of V points per
// shard (its share is Beta(V, N·V), sd ≈ √(N/((N+1)²((N+1)V+1)))); and about
// 1/(N+1) for a directory, which moves whole buckets.
func TestReshardMoved(t *testing.T) {
	const keys = 1_000_000 // 200 000 are sampled
	sampleSD := func(p float64) float64 { return math.Sqrt(p * (1 - p) / reshardSample) }
	for _, n := range []int{2, 4, 8, 16} {
		t.Run(fmt.Sprint(n, " shards"), func(t *testing.T) {
			N := float64(n)
			hash := ReshardMoved(PartitionHash, n, keys, 0)
			if want := N / (N + 1); math.Abs(hash-want) > 4*sampleSD(want) {
				t.Errorf("hash moved %.4f, want %.4f", hash, want)
			}
			for _, v := range []int{64, topology.DefaultVNodes, 1000} {
				got := ReshardMoved(PartitionConsistent, n, keys, v)
				want := 1 / (N + 1)
				sd := math.Sqrt(N/((N+1)*(N+1)*((N+1)*float64(v)+1))) + sampleSD(want)
				if math.Abs(got-want) > 4*sd {
					t.Errorf("consistent with %d vnodes moved %.4f, want %.4f ± %.4f", v, got, want, 4*sd)
				}
			}
			dir := ReshardMoved(PartitionDirectory, n, keys, 0)
			want := math.Floor(directoryBuckets/(N+1)) / directoryBuckets
			if math.Abs(dir-want) > 4*sampleSD(want) {
				t.Errorf("directory moved %.4f, want %.4f", dir, want)
			}
			t.Logf("%d → %d shards moves: hash %.4f, consistent %.4f, directory %.4f, range %.4f",
				n, n+1, hash, ReshardMoved(PartitionConsistent, n, keys, topology.DefaultVNodes), dir, ReshardMoved(PartitionRange, n, keys, 0))
		})
	}
}
