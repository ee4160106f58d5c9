package topology

import (
	"math"

	"github.com/scalesim/scalesim/internal/field"
	"github.com/scalesim/scalesim/internal/yamlfile"
	"github.com/scalesim/scalesim/units"
)

// Data is how much a database holds: PerUser bytes for each user of the
// workload (data: {per_user: 2KB}), so that it grows with the users. Every
// server of a shard holds the shard's part in full (a replica is a copy),
// and each server's volume is billed per GiB-month.
type Data struct {
	// PerUser is the bytes stored for each user, indexes included.
	PerUser float64
}

// StoragePerGiBMonth is the price of a database server's storage: Amazon
// RDS for MySQL, General Purpose SSD (gp3), Single-AZ, us-east-1, $0.115 per
// GB-month (aws.amazon.com/rds/mysql/pricing, recorded on CatalogueDate),
// a GB counted as 2^30 bytes as AWS bills storage.
const StoragePerGiBMonth = 0.115

// MaxStoragePerServer is the most an RDS for MySQL instance stores: 64 TiB
// ("Amazon RDS DB instance storage", Amazon RDS User Guide). A server
// asked to hold more is reported over it: a database that outgrows it is
// sharded.
const MaxStoragePerServer = 64 << 40

// maxPerUser bounds data.per_user: a terabyte a user.
const maxPerUser = 1e12

// decodeData reads a database's data: {per_user: SIZE}; nil when absent.
func decodeData(d *yamlfile.Decoder, m yamlfile.Map, what string) *Data {
	if !m.Has("data") {
		return nil
	}
	f, ok := d.Mapping(m.Get("data"), what+" data", "per_user")
	if !ok {
		return nil
	}
	if !f.Has("per_user") {
		d.Errorf(m.Get("data"), "%s data needs per_user: the bytes stored for each user, e.g. {per_user: 2KB}", what)
		return nil
	}
	v, ok := d.Bytes(f.Get("per_user"), what+" data per_user")
	if !ok {
		return nil
	}
	return &Data{PerUser: v}
}

// validate checks the data's size, under the database's data field.
func (data *Data) validate(e field.Errors, what string) {
	if data == nil {
		return
	}
	switch v := data.PerUser; {
	case !(v > 0) || math.IsInf(v, 0):
		e.Add("per_user", "%s data per_user must be above 0 (leave data out for a database whose size is not modelled)", what)
	case v > maxPerUser:
		e.Add("per_user", "%s data per_user is %s; at most %s a user", what, units.FormatBytes(v), units.FormatBytes(maxPerUser))
	}
}

// Stored is what database db holds at users users: its data in all
// (PerUser × users) and on each server (its shard's part); 0, 0 without
// data.
func (db *Database) Stored(users float64) (total, perServer float64) {
	if db.Data == nil {
		return 0, 0
	}
	total = float64(db.Data.PerUser * users)
	return total, total / float64(db.Shards)
}

// StorageMonthly is the monthly price of database db's storage at users
// users: every server's volume (its shard's data), at StoragePerGiBMonth.
func (db *Database) StorageMonthly(users float64) float64 {
	_, each := db.Stored(users)
	return float64(each*float64(db.Units())) / (1 << 30) * StoragePerGiBMonth
}

// ValidateData refuses data that grows with users when the workload has
// none to count (open arrivals at a rate): hasUsers says it has a users
// model or a closed population.
func (t *Topology) ValidateData(hasUsers bool) []error {
	if hasUsers {
		return nil
	}
	e := field.New("nodes")
	for _, n := range t.Nodes {
		if db, ok := n.Spec.(*Database); ok && db.Data != nil {
			e.In(n.Name).AddAtKey("data", "database %s: data per_user grows with the workload's users, and an open rate has none: "+
				"give the workload users (users: N) or a closed population, or leave data out", n.Name)
		}
	}
	return e.List()
}
