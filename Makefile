# RAP: build, run and test. `make test` is what CI runs (after scripts/ensure-services.sh).
MVN ?= mvn -B -q
JAR := target/rap.jar
export RAP_TEST_PG_URL ?= postgresql://rap:rap@localhost:5432/rap_test

.PHONY: jar test test-fast test-k8s test-reliability run serve services services-docker bench bench-fleet clean image image-smoke deploy-check deps-report

jar: $(JAR)

$(JAR): pom.xml $(shell find src conf openapi -type f 2>/dev/null)
	$(MVN) clean package -DskipTests

services:
	scripts/ensure-services.sh

# The whole suite, including the PostgreSQL and Docker tests (and the jar's own smoke tests).
test: services
	mvn -B clean verify

# The reliability suite alone: hostile jobs and inputs, and faults (kill -9 of either role, a
# database stopped and restarted), with real processes and real Docker. `make test` runs it too.
test-reliability: services
	mvn -B -DskipTests=false -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false \
	  -Dit.test='org.rap.reliability.**.*IT' verify

# The Kubernetes tests alone (JUnit tag kubernetes): the client, the Job spec, the test kubelet
# running pods of fabric8's mock API server in the local Docker engine, the Kubernetes executor on
# it, and the jar's end-to-end run with EXECUTOR=kubernetes (KubernetesSystemIT). `make test` runs
# them too.
test-k8s: services-docker
	mvn -B -Dgroups=kubernetes -Dsurefire.failIfNoSpecifiedTests=false verify

# The fast loop: formatting, then the pure and SQLite tests (JUnit tags docker, postgres and
# browser left out; no services needed, no root).
test-fast:
	$(MVN) spotless:check
	mvn -B -Pfast test

# The main job in one command: Docker and the local images, then the example study through
# controller, agent and RAP API in one JVM, with live progress and a summary.
run: jar services-docker
	java -jar $(JAR) demo

# Start --role=all on the embedded database and keep serving.
serve: jar
	java -jar $(JAR) migrate
	java -jar $(JAR) --role=all

services-docker:
	scripts/ensure-services.sh --docker-only

bench: services
	scripts/bench.sh

# A simulated fleet of 1,000 agents on one controller (dispatch p99, controller RSS, errors).
bench-fleet: services
	scripts/bench-fleet.sh

# Container image on the local stand-in base images, its smoke test, and the offline checks of
# docker/compose.yaml and deploy/k8s (docs/deployment.md).
image:
	scripts/build-image.sh

image-smoke:
	scripts/image-smoke.sh

deploy-check:
	scripts/validate-deploy.sh

# Dependencies with a newer patch release in the registry, and plugin updates (README,
# "Keeping dependencies current"). Informational: never fails the build. Also in
# target/deps-report.txt.
deps-report:
	@mkdir -p target
	@mvn -B versions:display-dependency-updates versions:display-plugin-updates 2>&1 \
	  | sed -n 's/^\[INFO\] //p' \
	  | grep -E ' -> |have newer versions|latest versions|plugin updates' \
	  | tee target/deps-report.txt || true

clean:
	rm -rf target workdir
