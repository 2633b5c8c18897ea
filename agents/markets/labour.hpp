#pragma once
/// @file The labour market: hiring within commuting reach, regional wages that rise with scarcity,
/// amenity, and migration of job seekers between regions. docs/MODEL.md §7.7 (cost per employee is
/// in agents/books.hpp).
namespace biocluster::agents {

struct World;

/// Startups below their target headcount hire from the cells within reach (births_deaths).
void hire_staff(World& w);
/// Wage index toward its scarcity target; amenity from infrastructure grants.
void update_labour_market(World& w);
/// Mean-field migration of job seekers between regions (conditional logit).
void migrate_talent(World& w);

}  // namespace biocluster::agents
