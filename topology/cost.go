package topology

import (
	"maps"
	"slices"
	"strings"

	"github.com/scalesim/scalesim/internal/field"
	"github.com/scalesim/scalesim/internal/yamlfile"
)

// HoursPerMonth is the billing month: 730 hours (8760 / 12).
const HoursPerMonth = 730

// Price is what a node costs: Hourly per billable unit (see Node.Units),
// plus usage charges per GB of egress and per million requests.
type Price struct {
	// Instance is the catalogue entry the price came from, if any.
	Instance   string
	Hourly     float64
	PerGB      float64
	PerMillion float64
	// Tiers, when set, prices the egress by the month's volume instead of
	// PerGB (which is then its first tier's price): a catalogue entry's
	// (CloudFront's); a cost field's per_gb replaces it with a flat price.
	Tiers *Tiers
	// Zoned, when set with the usage's egress by user region, prices the
	// egress by the users' geographic zones, each along its own tiers
	// (CloudFront's); a cost field's per_gb replaces it too.
	Zoned *ZonedTiers
}

// egressMonthly is the month's egress cost of usage u: by the users'
// zones when the price has them and the usage says where the users are.
func (p Price) egressMonthly(u Usage) float64 {
	if p.Zoned == nil || len(u.EgressByRegion) == 0 {
		return p.EgressMonthly(u.EgressBytesPerSec)
	}
	byRegion := map[string]float64{}
	elsewhere := u.EgressBytesPerSec
	for _, region := range slices.Sorted(maps.Keys(u.EgressByRegion)) {
		b := u.EgressByRegion[region]
		byRegion[region] = GBPerMonth(b)
		elsewhere -= b
	}
	return p.Zoned.Cost(byRegion, GBPerMonth(max(elsewhere, 0)))
}

// EgressMonthly is what bytesPerSec of egress costs in a 730-hour month:
// along the tiers when the price has them, the month's volume being the
// rate extrapolated to the month, else at PerGB.
func (p Price) EgressMonthly(bytesPerSec float64) float64 {
	gb := GBPerMonth(bytesPerSec)
	if p.Tiers != nil {
		return p.Tiers.Cost(gb)
	}
	return float64(gb * p.PerGB)
}

// Usage is what a node handled, for usage-based charges.
type Usage struct {
	RequestsPerSecond float64
	EgressBytesPerSec float64
	// EgressByRegion is the part of EgressBytesPerSec sent to the users of
	// each region (by region code), for a price by geographic zone; the
	// rest went to users in no region.
	EgressByRegion map[string]float64
	// Units, when positive, is the mean number of billable units over the
	// window, for a node whose instances change; 0 is Node.Units.
	Units float64
	// Billed is what a kind that bills by its own meter charged, in US
	// dollars per second of the window (a function's requests, GB-seconds
	// and provisioned concurrency).
	Billed float64
}

// Monthly is the node's cost for a 730-hour month of the given usage.
func (n *Node) Monthly(u Usage) float64 {
	p := n.Price
	seconds := HoursPerMonth * 3600.0
	units := float64(n.Units())
	if u.Units > 0 {
		units = u.Units
	}
	return float64(p.Hourly*units*HoursPerMonth) +
		float64(p.PerMillion*u.RequestsPerSecond*seconds/1e6) +
		p.egressMonthly(u) +
		float64(u.Billed*seconds)
}

// CatalogueDate is when the catalogue's prices were recorded.
const CatalogueDate = "2026-11-23"

// Catalogue holds on-demand prices of common instance types in AWS
// us-east-1 (Linux; single-AZ for RDS), in US dollars, as recorded on
// CatalogueDate. Prices change: a node's cost field overrides its entry.
// Amazon MSK's kafka.m5.large is priced per broker (a queue's brokers: N).
var Catalogue = map[string]Price{
	// Instance types (EC2, RDS, ElastiCache, MSK) come from instances.tsv.
	// Application Load Balancer: the hourly charge only (LCUs are extra).
	"alb": {Hourly: 0.0225},
	// CloudFront: data out to the internet by the month's volume
	// (CloudFrontTiers, US and Europe) and HTTPS requests, $0.0100 per
	// 10,000 in the US and Europe (Amazon CloudFront pricing page,
	// recorded on TiersDate).
	"cloudfront": {PerGB: CloudFrontTiers[0].PerGB, PerMillion: 1.00, Tiers: &CloudFrontTiers, Zoned: &CloudFrontZones},
	// SQS per million API requests (publish, receive, delete; a batch is
	// one request) beyond the free tier; SNS per million publishes
	// (deliveries to SQS are free).
	"sqs":      {PerMillion: 0.40},
	"sqs-fifo": {PerMillion: 0.50},
	"sns":      {PerMillion: 0.50},
}

// CatalogueEntry is the catalogue's price of an instance type, with
// Instance set; the zero Price if the type is not listed.
func CatalogueEntry(name string) Price {
	p, ok := Catalogue[name]
	if !ok {
		return Price{}
	}
	p.Instance = name
	return p
}

// CatalogueNames lists the catalogue's instance types.
func CatalogueNames() []string { return slices.Sorted(maps.Keys(Catalogue)) }

// decodePrice reads a node's instance (a catalogue entry) and cost
// {hourly, per_gb, per_million_requests}, which overrides the entry.
func decodePrice(d *yamlfile.Decoder, m yamlfile.Map, node string, k *Kind) Price {
	var p Price
	if m.Has("instance") {
		if name, ok := d.String(m.Get("instance")); ok {
			entry, known := Catalogue[name]
			if !known {
				d.Errorf(m.Get("instance"), "node %s: instance %q is not in the price catalogue%s; give cost: {hourly: ...} instead",
					node, name, yamlfile.DidYouMean(name, CatalogueNames()))
			}
			p = entry
			p.Instance = name
		}
	}
	if !m.Has("cost") {
		return p
	}
	c, ok := d.Mapping(m.Get("cost"), "cost of "+node, "hourly", "per_gb", "per_million_requests")
	if !ok {
		return p
	}
	for _, f := range []struct {
		key string
		to  *float64
	}{{"hourly", &p.Hourly}, {"per_gb", &p.PerGB}, {"per_million_requests", &p.PerMillion}} {
		if !c.Has(f.key) {
			continue
		}
		if v, ok := d.Float(c.Get(f.key)); ok {
			*f.to = v
		}
	}
	if c.Has("per_gb") {
		p.Tiers, p.Zoned = nil, nil // a flat price given replaces the catalogue's tiers
	}
	if c.Has("per_gb") && !k.Egress {
		var measure []string
		for _, name := range Kinds() {
			if registry[name].Egress {
				measure = append(measure, "a "+name+" node")
			}
		}
		d.Errorf(c.Key("per_gb"), "per_gb prices egress, which only %s measures", strings.Join(measure, " or "))
	}
	return p
}

// MaxPrice bounds each of a node's prices, in dollars: far above any real
// price, and low enough that a month of them, times the units billed,
// stays a finite number in the report (1e308 an hour gave +Inf, which
// JSON cannot write).
const MaxPrice = 1e9

// validate records a negative or absurdly large price, under the node's
// cost.
func (p Price) validate(e field.Errors) {
	for _, f := range []struct {
		key string
		v   float64
	}{{"hourly", p.Hourly}, {"per_gb", p.PerGB}, {"per_million_requests", p.PerMillion}} {
		switch {
		case f.v < 0:
			e.Add(f.key, "cost %s must not be negative", f.key)
		case f.v > MaxPrice:
			e.Add(f.key, "cost %s of $%g is beyond any real price; at most $%g", f.key, f.v, float64(MaxPrice))
		}
	}
}
