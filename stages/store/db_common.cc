#include "stages/store/db_common.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <cmath>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "stages/store/catalogue.h"

namespace newsflow {

bool SerializeDeterministically(const google::protobuf::MessageLite& message,
                                std::string* out) {
  out->clear();
  google::protobuf::io::StringOutputStream stream(out);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  return message.SerializeToCodedStream(&coded);
}

absl::Status CheckBatchIds(const std::string& location,
                           const std::vector<v1::Article>& articles) {
  for (size_t i = 0; i < articles.size(); ++i) {
    if (articles[i].id().empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(location, ": article #", i, " of the batch (title \"",
                       articles[i].title(), "\") has no id; nothing stored"));
    }
  }
  return absl::OkStatus();
}

std::vector<const v1::Article*> LatestPerId(
    const std::vector<v1::Article>& articles, StoredKeyForm id_form) {
  std::vector<const v1::Article*> latest;
  absl::flat_hash_map<std::string, size_t> position;
  for (const v1::Article& article : articles) {
    auto [it, inserted] = position.try_emplace(
        id_form == nullptr ? article.id() : id_form(article.id()),
        latest.size());
    if (inserted) {
      latest.push_back(&article);
    } else {
      latest[it->second] = &article;
    }
  }
  return latest;
}

absl::Status CheckLimit(const std::string& location, absl::string_view what,
                        int64_t limit) {
  if (limit > 0) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      location, ": ", what, " limit must be positive, got ", limit));
}

absl::Status CheckSearchRequest(const std::string& location,
                                const SearchRequest& request) {
  const ArticleFilter& filter = request.filter;
  const bool filtered = filter.since || filter.until ||
                        !filter.source.empty() || !filter.story_id.empty() ||
                        !filter.entity.empty() ||
                        filter.entity_type != v1::ENTITY_TYPE_UNSPECIFIED;
  if (absl::StripAsciiWhitespace(request.text).empty() && !filtered) {
    return absl::InvalidArgumentError(
        absl::StrCat(location,
                     ": empty search query (give words to search for, or a "
                     "filter such as an entity, a story or a time range)"));
  }
  if (auto status = CheckLimit(location, "search", request.limit);
      !status.ok()) {
    return status;
  }
  if (request.offset < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(location, ": search offset must not be negative, got ",
                     request.offset));
  }
  if (!v1::EntityType_IsValid(filter.entity_type)) {
    return absl::InvalidArgumentError(
        absl::StrCat(location, ": invalid entity type ",
                     static_cast<int>(filter.entity_type)));
  }
  return absl::OkStatus();
}

std::string LeadSnippet(const std::string& body, int max_words) {
  std::string snippet;
  int words = 0;
  bool cut = false;
  for (absl::string_view word :
       absl::StrSplit(body, absl::ByAnyChar(" \n\t\r"), absl::SkipEmpty())) {
    if (words == max_words) {
      cut = true;
      break;
    }
    if (!snippet.empty()) snippet.push_back(' ');
    snippet.append(word.data(), word.size());
    ++words;
  }
  if (cut) snippet.append(kSnippetEllipsis);
  return snippet;
}

std::optional<absl::Time> TimeFromSeconds(std::optional<int64_t> seconds) {
  if (!seconds) return std::nullopt;
  return absl::FromUnixSeconds(*seconds);
}

std::vector<std::string> SplitOutlets(absl::string_view joined) {
  return absl::StrSplit(joined, '\n', absl::SkipEmpty());
}

std::string SqlParams::Placeholder() const {
  return absl::StrCat(std::string(1, prefix_), values_.size());
}

std::string SqlParams::Text(std::string text) {
  Value& value = values_.emplace_back();
  value.text = std::move(text);
  return Placeholder();
}

std::string SqlParams::Int(int64_t number) {
  Value& value = values_.emplace_back();
  value.is_int = true;
  value.number = number;
  value.text = absl::StrCat(number);
  return Placeholder();
}

std::string SqlParams::Real(double number) {
  Value& value = values_.emplace_back();
  value.is_real = true;
  value.real = number;
  value.text = absl::StrFormat("%.17g", number);
  return Placeholder();
}

std::string EncodeCursor(const SearchCursor& cursor) {
  if (cursor.ranked) return absl::StrCat("r:", cursor.score, ":", cursor.seq);
  return absl::StrCat(
      "n:", cursor.seen_at ? absl::StrCat(*cursor.seen_at) : std::string(), ":",
      cursor.seq);
}

absl::StatusOr<SearchCursor> DecodeCursor(const std::string& location,
                                          const std::string& text,
                                          bool ranked) {
  auto invalid = [&](absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat(
        location, ": invalid cursor \"", text, "\": ", why,
        " (give the cursor a previous page of the same query printed)"));
  };
  const std::vector<std::string> parts = absl::StrSplit(text, ':');
  if (parts.size() != 3 || (parts[0] != "r" && parts[0] != "n")) {
    return invalid("not a cursor");
  }
  SearchCursor cursor;
  cursor.ranked = parts[0] == "r";
  if (cursor.ranked != ranked) {
    return invalid(ranked ? "it is from a query without search text"
                          : "it is from a query with search text");
  }
  if (!absl::SimpleAtoi(parts[2], &cursor.seq) || cursor.seq < 0) {
    return invalid("bad position");
  }
  if (cursor.ranked) {
    double score;
    // Only number characters: the text is spliced into SQL as a parameter,
    // but must also convert back to the very value it came from.
    if (parts[1].find_first_not_of("0123456789.+-eE") != std::string::npos ||
        !absl::SimpleAtod(parts[1], &score) || !std::isfinite(score)) {
      return invalid("bad score");
    }
    cursor.score = parts[1];
  } else if (!parts[1].empty()) {
    int64_t seen_at;
    if (!absl::SimpleAtoi(parts[1], &seen_at)) return invalid("bad time");
    cursor.seen_at = seen_at;
  }
  return cursor;
}

absl::StatusOr<std::optional<SearchCursor>> AfterCursorOf(
    const std::string& location, const SearchRequest& request, bool ranked) {
  if (request.after.empty()) return std::optional<SearchCursor>();
  absl::StatusOr<SearchCursor> cursor =
      DecodeCursor(location, request.after, ranked);
  if (!cursor.ok()) return cursor.status();
  return std::optional<SearchCursor>(*std::move(cursor));
}

std::string NewestAfterSql(const SearchCursor& cursor, SqlParams& params,
                           const std::string& seen_at_column,
                           const std::string& seq_column) {
  const std::string seq = params.Int(cursor.seq);
  if (!cursor.seen_at) {
    return absl::StrCat(" AND ", seen_at_column, " IS NULL AND ", seq_column,
                        " < ", seq);
  }
  const std::string seen_at = params.Int(*cursor.seen_at);
  return absl::StrCat(" AND (", seen_at_column, " < ", seen_at, " OR (",
                      seen_at_column, " = ", seen_at, " AND ", seq_column,
                      " < ", seq, ") OR ", seen_at_column, " IS NULL)");
}

std::string EntityIdsSql(const std::string& name, v1::EntityType type,
                         SqlParams& params) {
  std::string type_condition;
  if (type != v1::ENTITY_TYPE_UNSPECIFIED) {
    type_condition = absl::StrCat("type = ", params.Text(EntityTypeText(type)));
  }
  if (name.empty()) {
    return absl::StrCat("SELECT canonical_id FROM entities",
                        type_condition.empty() ? "" : " WHERE ",
                        type_condition);
  }
  const std::string key = FoldKey(name);
  std::string named =
      absl::StrCat("SELECT canonical_id FROM entity_aliases WHERE alias_key = ",
                   params.Text(key),
                   " UNION SELECT canonical_id FROM entities WHERE name_key = ",
                   params.Text(key), " OR canonical_id = ", params.Text(name));
  if (type_condition.empty()) return named;
  return absl::StrCat("SELECT canonical_id FROM entities WHERE ",
                      type_condition, " AND canonical_id IN (", named, ")");
}

bool FiltersArticleColumns(const ArticleFilter& filter) {
  return filter.since || filter.until || !filter.source.empty() ||
         !filter.story_id.empty();
}

std::string ArticleFilterSql(const ArticleFilter& filter, SqlParams& params,
                             EntityTest entity_test, const std::string& seq) {
  std::string sql;
  // Article times are whole seconds; ToUnixSeconds rounds down.
  if (filter.since) {
    int64_t seconds = absl::ToUnixSeconds(*filter.since);
    if (absl::FromUnixSeconds(seconds) != *filter.since) ++seconds;
    absl::StrAppend(&sql, " AND a.seen_at >= ", params.Int(seconds));
  }
  if (filter.until) {
    const int64_t seconds = absl::ToUnixSeconds(*filter.until);
    const bool whole = absl::FromUnixSeconds(seconds) == *filter.until;
    absl::StrAppend(&sql, " AND a.seen_at ", whole ? "<" : "<=", " ",
                    params.Int(seconds));
  }
  if (!filter.source.empty()) {
    absl::StrAppend(&sql, " AND a.source = ", params.Text(filter.source));
  }
  if (!filter.story_id.empty()) {
    absl::StrAppend(&sql, " AND a.story_id = ", params.Text(filter.story_id));
  }
  if (!filter.entity.empty() ||
      filter.entity_type != v1::ENTITY_TYPE_UNSPECIFIED) {
    const std::string ids =
        EntityIdsSql(filter.entity, filter.entity_type, params);
    if (entity_test == EntityTest::kProbe) {
      absl::StrAppend(&sql,
                      " AND EXISTS (SELECT 1 FROM mentions AS m WHERE "
                      "m.article_seq = ",
                      seq, " AND m.canonical_id IN (", ids, "))");
    } else {
      absl::StrAppend(&sql, " AND ", seq,
                      " IN (SELECT m.article_seq FROM mentions AS m WHERE "
                      "m.canonical_id IN (",
                      ids, "))");
    }
  }
  return sql;
}

const SqlDialect kSqliteDialect = {'?', "", " DESC"};
const SqlDialect kPostgresDialect = {'$', " COLLATE \"C\"", " DESC NULLS LAST"};

absl::StatusOr<std::string> ListStoriesSql(const std::string& location,
                                           const StoryQuery& query,
                                           const SqlDialect& dialect,
                                           SqlParams& params) {
  if (auto status = CheckLimit(location, "story", query.limit); !status.ok()) {
    return status;
  }
  // Only stories that hold articles: one emptied by a concurrent writer
  // may not be deleted yet.
  std::string sql =
      "SELECT id, first_seen, last_seen, article_count, outlets, headline "
      "FROM stories WHERE article_count > 0";
  if (query.since) {
    absl::StrAppend(&sql, " AND last_seen >= ",
                    params.Int(absl::ToUnixSeconds(*query.since)));
  }
  if (query.until) {
    absl::StrAppend(&sql, " AND first_seen < ",
                    params.Int(absl::ToUnixSeconds(*query.until)));
  }
  // Unknown times come last; the index on last_seen serves the order.
  absl::StrAppend(&sql, " ORDER BY last_seen", dialect.descending_nulls_last,
                  ", article_count DESC, id", dialect.byte_order, " LIMIT ",
                  params.Int(query.limit));
  return sql;
}

absl::StatusOr<std::string> ListEntitiesSql(const std::string& location,
                                            const EntityQuery& query,
                                            const SqlDialect& dialect,
                                            SqlParams& params) {
  if (auto status = CheckLimit(location, "entity", query.limit); !status.ok()) {
    return status;
  }
  std::string sql =
      "SELECT canonical_id, name, type, article_count, mention_count "
      "FROM entities";
  if (!query.name.empty() || query.type != v1::ENTITY_TYPE_UNSPECIFIED) {
    absl::StrAppend(&sql, " WHERE canonical_id IN (",
                    EntityIdsSql(query.name, query.type, params), ")");
  }
  absl::StrAppend(&sql,
                  " ORDER BY article_count DESC, mention_count DESC, name",
                  dialect.byte_order, ", canonical_id", dialect.byte_order,
                  " LIMIT ", params.Int(query.limit));
  return sql;
}

}  // namespace newsflow
