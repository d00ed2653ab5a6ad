// The store's commands: query, stories, entities, show and export read a
// database (opened read-only, so they work while a pipeline writes into
// it); import writes one. DB is an SQLite path or a postgresql:// URL. The
// verbs themselves live in stages/store/store_cli.h.
#include <iostream>
#include <memory>

#include "runner/commands/command.h"
#include "stages/store/store_cli.h"

namespace newsflow {
namespace {

constexpr char kDbHelp[] = "SQLite file or postgresql:// URL";

void AddFilterOptions(CLI::App* command, FilterArgs& filter) {
  command->add_option("--entity", filter.entity,
                      "Articles mentioning this entity (any alias)");
  command->add_option("--type", filter.type,
                      "Entity type: PERSON, ORG, LOC or MISC");
  command->add_option("--source", filter.source, "Articles from this source");
  command->add_option("--since", filter.since,
                      "From this time: 2031-04-02, RFC 3339, or an age (7d)");
  command->add_option("--until", filter.until,
                      "Before this time (a date includes the whole day)");
  command->add_option("--story", filter.story, "Articles of this story id");
}

}  // namespace

void RegisterStoreCommands(CLI::App& app, CommandContext& context) {
  auto query_args = std::make_shared<QueryArgs>();
  auto* query = app.add_subcommand(
      "query",
      "Full-text search, ranked, with titles and highlighted snippets.\n"
      "Example: newsflow query news.db \"ceasefire AND russia\" --since 7d");
  query->add_option("db", query_args->db, kDbHelp)->required();
  query->add_option(
      "query", query_args->text,
      "FTS5 query: words, AND/OR/NOT, \"phrases\", prefix*, title:word "
      "(optional with a filter)");
  AddFilterOptions(query, query_args->filter);
  query->add_option("-n,--limit", query_args->limit, "Maximum results");
  query->add_option("--offset", query_args->offset,
                    "Skip this many results (see --after for deep pages)");
  query->add_option("--after", query_args->after,
                    "Continue after the result with this cursor (printed as "
                    "\"next: --after CURSOR\", or \"cursor\" with --json)");
  query
      ->add_option(
          "--rank-window", query_args->rank_window,
          "Without filters, rank the best of the N most recently "
          "stored matches, widening until the page is full; 0 ranks "
          "every match (slower on common words in a big store; SQLite)")
      ->check(CLI::NonNegativeNumber);
  query->add_flag("--json", query_args->json, "One JSON object per result");
  query->callback([query_args, &context] {
    context.exit_code = RunQuery(*query_args, std::cout, std::cerr);
  });

  auto stories_args = std::make_shared<StoriesArgs>();
  auto* stories = app.add_subcommand(
      "stories",
      "Stories, most recently active first: size, outlets, time span, top "
      "entities.\nExample: newsflow stories news.db --since 2d");
  stories->add_option("db", stories_args->db, kDbHelp)->required();
  stories->add_option("--since", stories_args->since,
                      "Stories active from this time (date, RFC 3339, 7d)");
  stories->add_option("--until", stories_args->until,
                      "Stories that began before this time");
  stories->add_option("-n,--limit", stories_args->limit, "Maximum stories");
  stories->add_flag("--json", stories_args->json, "One JSON object per story");
  stories->callback([stories_args, &context] {
    context.exit_code = RunStories(*stories_args, std::cout, std::cerr);
  });

  auto entities_args = std::make_shared<EntitiesArgs>();
  auto* entities = app.add_subcommand(
      "entities",
      "The entity catalogue: names, aliases, article and mention counts.\n"
      "Example: newsflow entities news.db --type PERSON\n"
      "         newsflow entities news.db --explain Kadafi");
  entities->add_option("db", entities_args->db, kDbHelp)->required();
  entities->add_option("--type", entities_args->type,
                       "PERSON, ORG, LOC or MISC");
  entities->add_option("--name", entities_args->name,
                       "Only the entity with this alias or name");
  entities->add_option("-n,--limit", entities_args->limit, "Maximum entities");
  entities->add_option("--explain", entities_args->explain,
                       "Explain one entity (canonical id, or an alias only it "
                       "has): per alias, the rule that joined it, its "
                       "articles and the first of them");
  entities->add_flag("--json", entities_args->json,
                     "One JSON object per entity");
  entities->callback([entities_args, &context] {
    context.exit_code = RunEntities(*entities_args, std::cout, std::cerr);
  });

  auto show_args = std::make_shared<ShowArgs>();
  auto* show = app.add_subcommand(
      "show",
      "One article in full, with its trace through the stages.\n"
      "Example: newsflow show news.db 3f2a9c0d1e7b4a55");
  show->add_option("db", show_args->db, kDbHelp)->required();
  show->add_option("id", show_args->id, "Article id")->required();
  show->add_flag("--json", show_args->json, "The article as JSON");
  show->callback([show_args, &context] {
    context.exit_code = RunShow(*show_args, std::cout, std::cerr);
  });

  auto export_args = std::make_shared<ExportArgs>();
  auto* export_command = app.add_subcommand(
      "export",
      "Print stored articles as JSON lines (the format import reads).\n"
      "Example: newsflow export news.db --since 2031-04-01 > articles.jsonl");
  export_command->add_option("db", export_args->db, kDbHelp)->required();
  AddFilterOptions(export_command, export_args->filter);
  export_command->callback([export_args, &context] {
    context.exit_code = RunExport(*export_args, std::cout, std::cerr);
  });

  auto import_args = std::make_shared<ImportArgs>();
  auto* import_command = app.add_subcommand(
      "import",
      "Store the articles of a JSON-lines file (as export writes it); "
      "re-importing replaces by id.\n"
      "Example: newsflow export news.db | newsflow import "
      "postgresql://localhost/news -");
  import_command->add_option("db", import_args->db, kDbHelp)->required();
  import_command->add_option("file", import_args->file, "File, or - for stdin")
      ->required();
  import_command->add_option("--batch-size", import_args->batch_size,
                             "Articles per transaction");
  import_command->callback([import_args, &context] {
    context.exit_code = RunImport(*import_args, std::cin, std::cout, std::cerr);
  });
}

}  // namespace newsflow
