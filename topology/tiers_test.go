package topology_test

import (
	"math"
	"testing"

	"github.com/scalesim/scalesim/topology"
)

// TestTransferTiers checks the prices by monthly volume against tier sums
// worked by hand, at volumes inside each tier and on each bound (AWS's TB
// being 1024 GB): data out to the internet from EC2 (InternetTiers, through
// TransferMonthly, which the run's report and the estimate both call) and
// CloudFront's data out (the catalogue entry's egress).
func TestTransferTiers(t *testing.T) {
	for _, c := range []struct {
		name string
		gb   float64
		want float64
	}{
		// $0.09 to 10 TB, $0.085 to 50 TB, $0.07 to 150 TB, then $0.05.
		{"internet", 0, 0},
		{"internet", 5000, 5000 * 0.09},
		{"internet", 10240, 921.6},
		{"internet", 30000, 921.6 + 19760*0.085},       // 2601.2
		{"internet", 51200, 921.6 + 40960*0.085},       // 4403.2
		{"internet", 100000, 4403.2 + 48800*0.07},      // 7819.2
		{"internet", 153600, 4403.2 + 102400*0.07},     // 11571.2
		{"internet", 200000, 11571.2 + 46400*0.05},     // 13891.2
		{"internet", 2e6, 11571.2 + (2e6-153600)*0.05}, // 103891.2
		// CloudFront, US and Europe: $0.085 to 10 TB, $0.080 to 50 TB,
		// $0.060 to 150 TB, $0.040 to 500 TB, $0.030 to 1 PB, $0.025 to
		// 5 PB, then $0.020.
		{"cloudfront", 0, 0},
		{"cloudfront", 5000, 5000 * 0.085},
		{"cloudfront", 10240, 870.4},
		{"cloudfront", 51200, 870.4 + 40960*0.08},           // 4147.2
		{"cloudfront", 100000, 4147.2 + 48800*0.06},         // 7075.2
		{"cloudfront", 153600, 4147.2 + 102400*0.06},        // 10291.2
		{"cloudfront", 300000, 10291.2 + 146400*0.04},       // 16147.2
		{"cloudfront", 512000, 10291.2 + 358400*0.04},       // 24627.2
		{"cloudfront", 800000, 24627.2 + 288000*0.03},       // 33267.2
		{"cloudfront", 1048576, 24627.2 + 536576*0.03},      // 40724.48
		{"cloudfront", 3e6, 40724.48 + (3e6-1048576)*0.025}, // 89510.08
		{"cloudfront", 5242880, 40724.48 + 4194304*0.025},   // 145582.08
		{"cloudfront", 6e6, 145582.08 + (6e6-5242880)*0.02}, // 160724.48
	} {
		bytesPerSec := c.gb * 1e9 / (topology.HoursPerMonth * 3600)
		var got float64
		if c.name == "internet" {
			got = topology.TransferMonthly(topology.TransferInternet, bytesPerSec)
		} else {
			got = topology.CatalogueEntry("cloudfront").EgressMonthly(bytesPerSec)
		}
		if math.Abs(got-c.want) > 1e-9*math.Max(1, c.want) {
			t.Errorf("%s, %g GB a month: $%.9f, want $%.9f", c.name, c.gb, got, c.want)
		}
	}
	// The flat kinds stay flat at any volume: $0.02 a GB between regions,
	// $0.01 each way between zones.
	bytesPerSec := 1e6 * 1e9 / (topology.HoursPerMonth * 3600) // 1 PB a month
	if got := topology.TransferMonthly(topology.TransferInterRegion, bytesPerSec); math.Abs(got-2e4) > 1e-9*2e4 {
		t.Errorf("inter-region, 1e6 GB: $%v, want $20000", got)
	}
	if got := topology.TransferMonthly(topology.TransferCrossAZ, bytesPerSec); math.Abs(got-2e4) > 1e-9*2e4 {
		t.Errorf("cross-AZ, 1e6 GB: $%v, want $20000", got)
	}
	// A flat price has no tiers.
	if got := (topology.Price{PerGB: 0.1}).EgressMonthly(bytesPerSec); math.Abs(got-1e5) > 1e-9*1e5 {
		t.Errorf("flat $0.1/GB, 1e6 GB: $%v, want $100000", got)
	}
}

// TestCloudFrontZones checks CloudFront's price by geographic zone against
// sums worked by hand: each zone's month along its own tiers (the US and
// Europe apart, at the same prices; Japan's higher), the users in no
// region priced as the US's, and the zone of each region code.
func TestCloudFrontZones(t *testing.T) {
	z := &topology.CloudFrontZones
	for _, c := range []struct {
		byRegion  map[string]float64
		elsewhere float64
		want      float64
	}{
		// One ladder for the US: 525,120 GB (the fifth tier).
		{map[string]float64{"us-east-1": 525120}, 0, 24627.2 + 13120*0.03},
		// The US's two regions share a ladder; Europe has its own.
		{map[string]float64{"us-east-1": 300000, "us-west-2": 225120, "eu-west-1": 459480}, 0,
			24627.2 + 13120*0.03 + 10291.2 + 305880*0.04}, // 25020.8 + 22526.4
		// Japan: 10 TB at $0.114, 40 at $0.089, 100 at $0.086, the rest at $0.084.
		{map[string]float64{"ap-northeast-1": 328200}, 0, 10240*0.114 + 40960*0.089 + 102400*0.086 + 174600*0.084}, // 28285.6
		// Users in no region are the US's, on its ladder.
		{map[string]float64{"us-east-1": 5120}, 5120, 10240 * 0.085},
		// Past 5 PB in India: $0.072.
		{map[string]float64{"ap-south-1": 6e6}, 0, 10240*0.109 + 40960*0.085 + 102400*0.082 + 358400*0.080 + 536576*0.078 +
			4194304*0.075 + (6e6-5242880)*0.072},
	} {
		if got := z.Cost(c.byRegion, c.elsewhere); math.Abs(got-c.want) > 1e-9*c.want {
			t.Errorf("%v and %g GB elsewhere: $%.9f, want $%.9f", c.byRegion, c.elsewhere, got, c.want)
		}
	}
	for region, zone := range map[string]string{"us-east-1": "us", "ca-central-1": "us", "eu-central-1": "eu", "il-central-1": "eu",
		"ap-northeast-1": "jp", "ap-northeast-3": "jp", "ap-northeast-2": "ap", "ap-southeast-1": "ap", "ap-southeast-2": "au",
		"ap-south-1": "in", "sa-east-1": "sa", "me-south-1": "me", "af-south-1": "me", "mars": "us"} {
		if got := z.Zone(region); got != zone {
			t.Errorf("%s: zone %s, want %s", region, got, zone)
		}
	}
}
