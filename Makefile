# RAP: build, run and test. `make test` is what CI runs (after scripts/ensure-services.sh).
MVN ?= mvn -B -q
JAR := target/rap.jar
export RAP_TEST_PG_URL ?= postgresql://rap:rap@localhost:5432/rap_test

.PHONY: jar test run services bench clean

jar: $(JAR)

$(JAR): pom.xml $(shell find src conf openapi -type f 2>/dev/null)
	$(MVN) clean package -DskipTests

services:
	scripts/ensure-services.sh

# The whole suite, including the PostgreSQL and Docker tests (and the jar's own smoke tests).
test: services
	mvn -B clean verify

run: jar
	@mkdir -p workdir
	java -jar $(JAR) migrate
	java -jar $(JAR) --role=all

bench: jar services
	scripts/bench.sh

clean:
	rm -rf target workdir
