module example.com/oldapp

go 1.15

require (
	example.com/otherlib v1.1.0
	example.com/vulnlib v1.1.0
)
