package engine

// Parted is a component whose parts are placed apart (a database's
// servers by region): a call to it is aimed, when it is sent, at the part
// that will serve it, and pays the distance to that part's place
// (Job.Part says which).
type Parted interface {
	// Aim chooses the part that serves j, a call from the node called
	// from, sets it with Job.SetPart and returns the part's name for Hop.
	Aim(j *Job, from string) string
	// PartName is the name for Hop of the part part of a job.
	PartName(part int8) string
}
