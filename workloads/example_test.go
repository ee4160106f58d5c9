package workloads_test

import (
	"fmt"

	"github.com/scalesim/scalesim/workloads"
)

// The users model turns a population into a peak request rate.
func ExampleUsersModel() {
	u := workloads.UsersModel{Users: 2e6, ActiveFraction: 0.05, RequestsPerActiveUser: 40, PeakToAverage: 4}
	fmt.Println(u.Derivation())
	// Output: 2M users × 5% active × 40 requests/active user/day ÷ 86400 s × 4 peak/average = 185.2 req/s
}
