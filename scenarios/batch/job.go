package batch

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/scalesim/scalesim/scenarios"
	"github.com/scalesim/scalesim/scenarios/simulate"
)

// Source is a scenario file as written: its text, the name messages give
// it, and where the files it names (a trace) are read from.
type Source struct {
	// Name is the file's path, or builtin:NAME for a built-in scenario;
	// errors are placed at NAME:LINE:COL.
	Name string `json:"name"`
	Text string `json:"text"`
	// Folder is where the files the scenario names are read from: the
	// file's directory, or "" for a built-in (which names none unless
	// AllowOutside, and then from the working directory). A job run on
	// another machine needs those files at the same place.
	Folder string `json:"folder,omitempty"`
	// AllowOutside is --allow-outside: the files it names may lie outside
	// Folder.
	AllowOutside bool `json:"allow_outside,omitempty"`
}

// Builtin is the source of a built-in scenario, read as
// scenarios.BuiltinWith reads it.
func Builtin(name string) (Source, error) {
	data, err := scenarios.BuiltinSource(name)
	if err != nil {
		return Source{}, err
	}
	return Source{Name: "builtin:" + name, Text: string(data)}, nil
}

// File is the source of the scenario file at path, read as
// scenarios.LoadWith reads it.
func File(path string) (Source, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Source{}, scenarios.Invalid(fmt.Errorf("batch: %w", err))
	}
	if len(data) > scenarios.MaxFileSize {
		return Source{}, scenarios.Invalid(fmt.Errorf("batch: %s is larger than a scenario file may be (%d bytes)", path, scenarios.MaxFileSize))
	}
	return Text(path, data), nil
}

// Text is the source of a scenario file's contents, as scenarios.Parse
// reads them: file names it, and the files it names are read from file's
// directory.
func Text(file string, data []byte) Source {
	return Source{Name: file, Text: string(data), Folder: filepath.Dir(file)}
}

// Job is one run written down: everything that decides its report, and
// nothing of the machine that runs it. Its JSON form is its whole
// description: a job read back from it runs to the same bytes.
type Job struct {
	Source Source `json:"source"`
	// Sets are the --set PATH=VALUE overrides, applied to the text in
	// order, so validated as the file is (a sweep's point is one more).
	Sets []string `json:"sets,omitempty"`
	// Seed, when given, replaces the file's run.seed.
	Seed *uint64 `json:"seed,omitempty"`
	// Users or Rate, when positive, replace the workload's load as
	// scenarios.Overrides does (a user count of a users model or closed
	// population; open arrivals per second): the axes of a sweep of load.
	Users float64 `json:"users,omitempty"`
	Rate  float64 `json:"rate,omitempty"`
	// LoadFlag names the command-line flag that gave Users or Rate, as
	// "--users 1e12": a refusal the load causes starts with it
	// (scenarios.Overrides); "" leaves it under the scenario's name.
	LoadFlag string `json:"load_flag,omitempty"`
	// Precision, when given, replaces run.precision (0: run for the
	// duration); MaxRequests, when positive, run.max_requests. The event
	// and memory budgets are run.max_events and run.max_memory in Sets.
	Precision   *float64 `json:"precision,omitempty"`
	MaxRequests int64    `json:"max_requests,omitempty"`
}

// Scenario reads and validates the job's scenario: the source with its
// overrides, then its seed, load and budgets. An override the scenario
// cannot take is a scenarios.InvalidError, as scenarios.Apply says.
func (j Job) Scenario() (*scenarios.Scenario, error) {
	src := j.Source
	s, err := scenarios.ParseIn(src.Name, src.Folder, []byte(src.Text), scenarios.Options{Sets: j.Sets, AllowOutside: src.AllowOutside})
	if err != nil {
		return nil, err
	}
	if err := s.Apply(scenarios.Overrides{Seed: j.Seed, Users: j.Users, Rate: j.Rate, UsersFlag: j.LoadFlag, RateFlag: j.LoadFlag}); err != nil {
		return nil, err
	}
	if j.Precision != nil {
		s.Run.Precision = *j.Precision
	}
	if j.MaxRequests > 0 {
		s.Run.MaxRequests = j.MaxRequests
	}
	return s, nil
}

// With is a copy of j with more overrides after its own; j's Sets are not
// shared with the copy.
func (j Job) With(sets ...string) Job {
	j.Sets = append(append([]string(nil), j.Sets...), sets...)
	return j
}

// Run reads the job's scenario and runs it.
func (j Job) Run() (*simulate.Report, error) {
	s, err := j.Scenario()
	if err != nil {
		return nil, err
	}
	return run(s)
}
