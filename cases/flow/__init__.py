"""The CII101 flow and who may take part in it: the state machine's readers (machine.py),
the guards of its transitions (guards.py), the policy of every case operation (policy.py),
the scope of each user (scope.py), per-case grants (grants.py) and the process diagram
(diagram.py). Nothing here writes: the actions (cases/actions.py) do."""
