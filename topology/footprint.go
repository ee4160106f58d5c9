package topology

// Byte counts for Footprint and InUse: what the simulation's records
// take, measured with unsafe.Sizeof where a type exists, and estimated
// (with Go's map overhead) where it is a map entry. They are estimates
// meant to keep a run within a memory budget, not an accounting to the
// byte.
const (
	StationBytes   = 28_000 // a station's wait histogram, summaries and time averages
	ringBytes      = 12     // a hash ring point and its owner
	MapEntryBytes  = 48     // an entry of a map[int64]T
	FIFOEntryBytes = 32     // a 16-byte entry of a FIFO that may be half empty
)
