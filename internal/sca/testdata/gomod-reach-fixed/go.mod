module example.com/reachapp

go 1.21

require (
	example.com/otherlib v1.1.0
	example.com/unusedlib v1.1.0
	example.com/vulnlib v1.1.0
)
