// Package doccheck holds a test, not code: every exported name of the
// module's packages has a doc comment that starts with its name (see
// doccheck_test.go).
package doccheck
