package topology

// trendBatch is the first batch length, in seconds, of the trends of
// queues' lengths (it doubles as the window grows; see sim.Trend), and
// trendShare the later part of the window their growth is judged on: a
// queue that grows, grows there too, while one a burst filled early and
// that then held its level does not.
const (
	TrendBatch = 0.1
)
