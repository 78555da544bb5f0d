"""cchc-kg: a knowledge graph of Vietnamese administrative-reform obligations."""
