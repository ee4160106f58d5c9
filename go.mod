module github.com/scalesim/scalesim

go 1.26.8

require gonum.org/v1/gonum v0.17.0

require gopkg.in/yaml.v3 v3.0.1 // indirect
