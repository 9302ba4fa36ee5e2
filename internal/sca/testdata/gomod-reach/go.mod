module example.com/reachapp

go 1.21

require (
	example.com/otherlib v1.0.0
	example.com/unusedlib v1.0.0
	example.com/vulnlib v1.0.0
)
