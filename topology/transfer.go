package topology

import (
	"maps"
	"math"
	"slices"
	"strings"
)

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
	TransferKinds                           // the number of kinds of transfer, for a figure per kind
)

// TransferPrice is what a GB of each kind of transfer costs, in US
// dollars: AWS EC2 data transfer, as recorded on TransferPriceDate.
// InterRegion is the price between US and EU regions ($0.02/GB, charged to
// the sending region; regions in Asia Pacific and South America charge
// more, $0.08-0.14/GB); CrossAZ is charged in each direction, so a GB
// from one zone to another costs twice it; Internet is the first tier of
// data transfer out to the internet (up to 10 TB a month) in US and EU
// regions (Asia Pacific's first tiers are $0.114-0.126/GB): the month's
// volume is priced along InternetTiers. Source: the Amazon EC2 On-Demand
// Pricing page, "Data Transfer" section.
var TransferPrice = [TransferKinds]float64{
	TransferInterRegion: 0.02,
	TransferCrossAZ:     0.01,
	TransferInternet:    InternetTiers[0].PerGB,
}

// TransferPriceDate is when TransferPrice was recorded.
const TransferPriceDate = "2026-12-02"

// TiersDate is when InternetTiers and CloudFrontTiers were recorded.
const TiersDate = "2026-12-03"

// Tier is one band of a price by monthly volume: PerGB applies to the
// GB of a month above the previous tier's bound and up to UpToGB.
type Tier struct {
	UpToGB float64
	PerGB  float64
}

// Tiers is a price by monthly volume, as AWS bills data transfer: each
// GB of the month is priced at the tier it falls in (the first 10 TB at
// the first tier's price, the next 40 TB at the second's, ...), bounds
// ascending, the last one +Inf. AWS's TB are 1024 GB in these bounds (its
// Price List API gives the first tier of data out as 0 to 10240 GB).
type Tiers []Tier

// Cost is what gb GB in a month cost along the tiers: the sum over the
// tiers of the GB inside each times its price.
func (t Tiers) Cost(gb float64) float64 {
	cost, below := 0.0, 0.0
	for _, tier := range t {
		if gb <= below {
			break
		}
		in := min(gb, tier.UpToGB) - below
		cost += float64(in * tier.PerGB)
		below = tier.UpToGB
	}
	return cost
}

// InternetTiers price data transfer out from Amazon EC2 to the internet in
// us-east-1 (the US and EU regions charge the same) by the month's volume:
// the first 10 TB at $0.09/GB, the next 40 TB at $0.085, the next 100 TB
// at $0.07, beyond 150 TB $0.05. AWS adds up the data out of all its
// services (EC2, ELB, RDS, S3, ...) to place a month in its tiers; so does
// the model, over the nodes of a run. The free 100 GB a month (aggregated
// over an account's services and regions) is not taken off. Source: the
// Amazon EC2 On-Demand Pricing page, "Data Transfer" section ("Data
// Transfer OUT From Amazon EC2 To Internet"), recorded on TiersDate.
var InternetTiers = Tiers{
	{10 * 1024, 0.09},
	{50 * 1024, 0.085},
	{150 * 1024, 0.07},
	{math.Inf(1), 0.05},
}

// CloudFrontTiers price Amazon CloudFront's regional data transfer out to
// the internet, United States, Mexico and Canada, and Europe, Israel and
// Türkiye, by the month's volume: the first 10 TB at $0.085/GB, the next
// 40 TB $0.080, the next 100 TB $0.060, the next 350 TB $0.040, the next
// 524 TB $0.030, the next 4 PB $0.025, beyond 5 PB $0.020 (each zone's
// month apart: see CloudFrontZones, for the other zones). The always
// free 1 TB and 10 million requests a month are not taken off. Source: the
// Amazon CloudFront pricing page (aws.amazon.com/cloudfront/pricing),
// "Regional Data Transfer Out to Internet (per GB)", recorded on TiersDate.
var CloudFrontTiers = Tiers{
	{10 * 1024, 0.085},
	{50 * 1024, 0.080},
	{150 * 1024, 0.060},
	{500 * 1024, 0.040},
	{1024 * 1024, 0.030},
	{5 * 1024 * 1024, 0.025},
	{math.Inf(1), 0.020},
}

// ZonedTiers are tiers by geographic zone, as CloudFront prices its data
// out: each zone's month is placed in its own tiers ("Usage tiers for data
// transfer are measured separately for each geographic region", the
// CloudFront FAQ). Zone maps a region code to its zone.
type ZonedTiers struct {
	Zone  func(region string) string
	Tiers map[string]Tiers
}

// Cost is what the GB a month sent to the users of each region cost, each
// zone along its own tiers; gbElsewhere, the GB of users in no region, are
// priced in the zone of the region "" (CloudFront's US and Europe).
func (z *ZonedTiers) Cost(gbByRegion map[string]float64, gbElsewhere float64) float64 {
	byZone := map[string]float64{}
	for region, gb := range gbByRegion {
		byZone[z.Zone(region)] += gb
	}
	if gbElsewhere > 0 {
		byZone[z.Zone("")] += gbElsewhere
	}
	cost := 0.0
	for _, zone := range slices.Sorted(maps.Keys(byZone)) {
		cost += z.Tiers[zone].Cost(byZone[zone])
	}
	return cost
}

// CloudFrontZones price CloudFront's data out by the users' geographic
// zone (the Amazon CloudFront pricing page, "Regional Data Transfer Out to
// Internet (per GB)", recorded on TiersDate; bounds as CloudFrontTiers):
// the United States, Mexico and Canada, and Europe, Israel and Türkiye,
// at CloudFrontTiers, each zone apart; Japan $0.114, $0.089, $0.086,
// $0.084, $0.080, $0.070, $0.060; Australia and New Zealand $0.114, $0.098,
// $0.094, $0.092, $0.090, $0.085, $0.080; the rest of Asia Pacific (Hong
// Kong, Indonesia, the Philippines, Singapore, South Korea, Taiwan,
// Thailand, Malaysia, Vietnam) $0.120, $0.100, $0.095, $0.090, $0.080,
// $0.070, $0.060; India $0.109, $0.085, $0.082, $0.080, $0.078, $0.075,
// $0.072; South America, and South Africa, Kenya, Nigeria and the Middle
// East, $0.110, $0.105, $0.090, $0.080, $0.060, $0.050, $0.040.
var CloudFrontZones = ZonedTiers{
	Zone: cloudFrontZone,
	Tiers: map[string]Tiers{
		"us": CloudFrontTiers,
		"eu": CloudFrontTiers,
		"jp": cloudFrontTiers(0.114, 0.089, 0.086, 0.084, 0.080, 0.070, 0.060),
		"au": cloudFrontTiers(0.114, 0.098, 0.094, 0.092, 0.090, 0.085, 0.080),
		"ap": cloudFrontTiers(0.120, 0.100, 0.095, 0.090, 0.080, 0.070, 0.060),
		"in": cloudFrontTiers(0.109, 0.085, 0.082, 0.080, 0.078, 0.075, 0.072),
		"sa": cloudFrontTiers(0.110, 0.105, 0.090, 0.080, 0.060, 0.050, 0.040),
		"me": cloudFrontTiers(0.110, 0.105, 0.090, 0.080, 0.060, 0.050, 0.040),
	},
}

// cloudFrontTiers are CloudFront's tier bounds with the given prices.
func cloudFrontTiers(prices ...float64) Tiers {
	t := slices.Clone(CloudFrontTiers)
	for i := range t {
		t[i].PerGB = prices[i]
	}
	return t
}

// cloudFrontZone is the CloudFront price zone of an AWS region code's
// users: ap-northeast-1 (Tokyo) and -3 (Osaka) Japan, ap-southeast-2 and -4
// Australia, ap-south-* India, the other ap-* the rest of Asia Pacific,
// sa-* South America, me-* and af-* the Middle East and Africa, eu-* and
// il-* Europe; the US, Canada and Mexico otherwise (and for a name that is
// no AWS code).
func cloudFrontZone(region string) string {
	switch {
	case region == "ap-northeast-1" || region == "ap-northeast-3":
		return "jp"
	case region == "ap-southeast-2" || region == "ap-southeast-4":
		return "au"
	case strings.HasPrefix(region, "ap-south-"):
		return "in"
	case strings.HasPrefix(region, "ap-"):
		return "ap"
	case strings.HasPrefix(region, "sa-"):
		return "sa"
	case strings.HasPrefix(region, "me-"), strings.HasPrefix(region, "af-"):
		return "me"
	case strings.HasPrefix(region, "eu-"), strings.HasPrefix(region, "il-"):
		return "eu"
	}
	return "us"
}

// TransferNames are the kinds' names, as the report's JSON writes them.
var TransferNames = [TransferKinds]string{"", "inter_region", "cross_az", "internet"}

// GBPerMonth is the GB of a 730-hour month at bytesPerSec.
func GBPerMonth(bytesPerSec float64) float64 {
	return float64(bytesPerSec*HoursPerMonth*3600) / 1e9
}

// TransferMonthly is what bytesPerSec of transfer of kind costs in a
// 730-hour month: data out to the internet along InternetTiers, at the
// month's volume (the rate extrapolated to the month, as the report's
// monthly cost is), the others at their flat price. The run's report and
// the estimate both price transfer with it.
func TransferMonthly(kind TransferKind, bytesPerSec float64) float64 {
	gb := GBPerMonth(bytesPerSec)
	switch kind {
	case TransferInternet:
		return InternetTiers.Cost(gb)
	case TransferCrossAZ:
		return float64(gb * (2 * TransferPrice[kind])) // out of one zone, into the other
	}
	return float64(gb * TransferPrice[kind])
}

// EdgeFetcher is a component whose visits to its origin are fetches for
// users it serves itself (a CDN): the origin's replies to it are free, and
// it pays for what it sends the users.
type EdgeFetcher interface {
	FetchesForUsers()
}
