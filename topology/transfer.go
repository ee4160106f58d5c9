package topology

// Transfer pricing: once the nodes are placed, the bytes of the requests
// and replies that cross a border are priced as AWS bills data transfer.
// A request and its reply carry the sizes of the node they visit (size:,
// 1 KB and 4 KB by default; services and databases give them). Bytes
// between two regions are billed once, to the region that sends them;
// between two availability zones of a region, in each direction (out of
// one zone and into the other); from a node to its users on the internet
// (the reply to a request that came from a user), as data transfer out.
// Bytes that come in from the internet, and those within a zone, are
// free; an origin's replies to a CDN are free too (the CDN's own per_gb
// prices what it sends its users), so nothing is priced twice.

// TransferKind is how a message's bytes are billed.
type TransferKind uint8

// The kinds of transfer.
const (
	TransferFree        TransferKind = iota // within a zone, into a region from the internet, origin to CDN
	TransferInterRegion                     // between two regions
	TransferCrossAZ                         // between two zones of a region
	TransferInternet                        // out to users on the internet
	transferKinds
)

// TransferPrice is what a GB of each kind of transfer costs, in US
// dollars: AWS EC2 data transfer, as recorded on TransferPriceDate.
// InterRegion is the price between US and EU regions ($0.02/GB, charged to
// the sending region; regions in Asia Pacific and South America charge
// more, $0.08-0.14/GB); CrossAZ is charged in each direction, so a GB
// from one zone to another costs twice it; Internet is the first tier of
// data transfer out to the internet (up to 10 TB a month) in US and EU
// regions (Asia Pacific's first tiers are $0.114-0.126/GB). Source: the
// Amazon EC2 On-Demand Pricing page, "Data Transfer" section.
var TransferPrice = [transferKinds]float64{
	TransferInterRegion: 0.02,
	TransferCrossAZ:     0.01,
	TransferInternet:    0.09,
}

// TransferPriceDate is when TransferPrice was recorded.
const TransferPriceDate = "2026-12-02"

// TransferNames are the kinds' names, as the report's JSON writes them.
var TransferNames = [transferKinds]string{"", "inter_region", "cross_az", "internet"}

// TransferMonthly is what bytesPerSec of transfer of kind costs in a
// 730-hour month.
func TransferMonthly(kind TransferKind, bytesPerSec float64) float64 {
	perGB := TransferPrice[kind]
	if kind == TransferCrossAZ {
		perGB = 2 * perGB // out of one zone, into the other
	}
	return float64(bytesPerSec*HoursPerMonth*3600/1e9) * perGB
}

// EdgeFetcher is a component whose visits to its origin are fetches for
// users it serves itself (a CDN): the origin's replies to it are free, and
// it pays for what it sends the users.
type EdgeFetcher interface {
	FetchesForUsers()
}

// transferOf is how the bytes between j's sender and at, the node whose
// station j visits, are billed, and whether the sender is a user (whose
// request is free and reply is data transfer out). Without placement, all
// are free.
func (n *Network) transferOf(j *Job, at string) (kind TransferKind, user bool) {
	if n.topo.transfer == nil || j.req.background {
		return TransferFree, false
	}
	k := j
	for k.step == nil && k.parent != nil {
		if _, edge := k.parent.owner.(EdgeFetcher); edge {
			return TransferFree, false
		}
		k = k.parent
	}
	if k.step == nil {
		// A user's request (a message a consumer takes is a background
		// request, free above).
		return TransferInternet, true
	}
	if at == "" && j.step != nil {
		// A station of no name of its own (a database's): the node the
		// call went to, or the part of it (a primary or replicas in a
		// region) the call was aimed at.
		at = j.step.toName
		if p, ok := j.step.to.(parted); ok && j.part != 0 {
			at = p.partName(j.part)
		}
	}
	return n.topo.transfer(k.step.from, at), false
}
