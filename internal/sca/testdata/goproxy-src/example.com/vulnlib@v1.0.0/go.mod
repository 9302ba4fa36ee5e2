module example.com/vulnlib

go 1.21
