#pragma once
/// @file The labour market: hiring within commuting reach, regional wages that follow local
/// unemployment, amenity, and migration of job seekers. docs/MODEL.md §7.7 (cost per employee is
/// in agents/books.hpp).
namespace biocluster::agents {

struct World;

/// Every employer (startups, universities, research hospitals, local pharma) loses its separations,
/// lays off what its money no longer pays for, and hires its shortfall from the cells within reach,
/// in a keyed random order (births_deaths_hiring).
void hire_staff(World& w);
/// Wage index toward its target (wage curve x unfilled openings); amenity from infrastructure grants.
void update_labour_market(World& w);
/// Mean-field migration of job seekers between regions and the outside labour market (conditional
/// logit).
void migrate_talent(World& w);

}  // namespace biocluster::agents
