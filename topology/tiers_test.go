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
