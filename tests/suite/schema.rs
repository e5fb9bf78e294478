//! The two schemas, SQLite's (`migrations/sqlite`) and PostgreSQL's
//! (`migrations/postgres`), kept in lockstep: the same migration versions,
//! tables, columns (by class of type), keys, constraints and indexes.

use std::collections::{BTreeMap, BTreeSet};

use member_center::db::{Backend, Location};
use sqlx::{Connection, Row, postgres::PgConnection, sqlite::SqliteConnection};

use crate::common::Scratch;

/// One table as both backends can describe it.
#[derive(Debug, Default, PartialEq, Eq)]
struct Table {
    /// name → (class of type, not null, has a default)
    columns: BTreeMap<String, (&'static str, bool, bool)>,
    primary_key: Vec<String>,
    /// (columns, unique, partial), the primary key's own index left out.
    indexes: BTreeSet<(Vec<String>, bool, bool)>,
    /// (columns, referenced table, referenced columns, on delete)
    foreign_keys: BTreeSet<(Vec<String>, String, Vec<String>, String)>,
    checks: usize,
}

type Schema = BTreeMap<String, Table>;

fn class(declared: &str) -> &'static str {
    match declared.to_ascii_lowercase().as_str() {
        "integer" | "bigint" => "integer",
        "text" => "text",
        "blob" | "bytea" => "bytes",
        "boolean" => "boolean",
        other => panic!("a column of type {other}: give it a class here"),
    }
}

fn on_delete(action: &str) -> String {
    match action {
        "CASCADE" | "c" => "cascade",
        "SET NULL" | "n" => "set null",
        "NO ACTION" | "a" => "no action",
        other => panic!("on delete {other}"),
    }
    .to_string()
}

async fn sqlite_schema(path: &std::path::Path) -> (Schema, Vec<i64>) {
    let mut conn = SqliteConnection::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    let tables: Vec<(String, String)> = sqlx::query_as(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table'
         AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations' ORDER BY name",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let mut schema = Schema::new();
    for (name, sql) in tables {
        let mut table = Table {
            checks: sql.to_ascii_uppercase().matches("CHECK (").count(),
            ..Table::default()
        };
        let columns = sqlx::query(sqlx::AssertSqlSafe(format!("PRAGMA table_info({name})")))
            .fetch_all(&mut conn)
            .await
            .unwrap();
        let mut key: Vec<(i64, String)> = Vec::new();
        for column in columns {
            let column_name: String = column.get("name");
            let pk: i64 = column.get("pk");
            if pk > 0 {
                key.push((pk, column_name.clone()));
            }
            let not_null = column.get::<i64, _>("notnull") == 1 || pk > 0;
            let default = column.get::<Option<String>, _>("dflt_value").is_some();
            table
                .columns
                .insert(column_name, (class(column.get("type")), not_null, default));
        }
        key.sort();
        table.primary_key = key.into_iter().map(|(_, column)| column).collect();
        let indexes = sqlx::query(sqlx::AssertSqlSafe(format!("PRAGMA index_list({name})")))
            .fetch_all(&mut conn)
            .await
            .unwrap();
        for index in indexes {
            if index.get::<String, _>("origin") == "pk" {
                continue;
            }
            let index_name: String = index.get("name");
            let columns: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT name FROM pragma_index_info('{index_name}') ORDER BY seqno"
            )))
            .fetch_all(&mut conn)
            .await
            .unwrap();
            table.indexes.insert((
                columns,
                index.get::<i64, _>("unique") == 1,
                index.get::<i64, _>("partial") == 1,
            ));
        }
        let keys = sqlx::query(sqlx::AssertSqlSafe(format!("PRAGMA foreign_key_list({name})")))
            .fetch_all(&mut conn)
            .await
            .unwrap();
        for fk in keys {
            table.foreign_keys.insert((
                vec![fk.get("from")],
                fk.get("table"),
                vec![fk.get("to")],
                on_delete(fk.get("on_delete")),
            ));
        }
        schema.insert(name, table);
    }
    let versions = sqlx::query_scalar("SELECT version FROM _sqlx_migrations ORDER BY version")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    (schema, versions)
}

async fn postgres_schema(url: &str) -> (Schema, Vec<i64>) {
    let mut conn = PgConnection::connect(url).await.unwrap();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema()
         AND tablename <> '_sqlx_migrations' ORDER BY 1",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let mut schema = Schema::new();
    for name in tables {
        let mut table = Table::default();
        let columns = sqlx::query(
            "SELECT column_name::text AS name, data_type::text AS type, is_nullable::text = 'NO' AS not_null,
                    column_default IS NOT NULL AS has_default
             FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1",
        )
        .bind(&name)
        .fetch_all(&mut conn)
        .await
        .unwrap();
        for column in columns {
            let declared: String = column.get("type");
            assert_ne!(
                declared, "integer",
                "{name}: every integer is 64-bit (BIGINT) on PostgreSQL"
            );
            table.columns.insert(
                column.get("name"),
                (class(&declared), column.get("not_null"), column.get("has_default")),
            );
        }
        // Columns of a key or index, in the key's order.
        let key_columns = "ARRAY(SELECT a.attname::text FROM unnest(i.indkey) WITH ORDINALITY k(attnum, n)
                           JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum ORDER BY k.n)";
        let indexes = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {key_columns} AS columns, i.indisunique AS is_unique, i.indisprimary AS is_primary,
                    i.indpred IS NOT NULL AS partial
             FROM pg_index i WHERE i.indrelid = $1::regclass"
        )))
        .bind(&name)
        .fetch_all(&mut conn)
        .await
        .unwrap();
        for index in indexes {
            let columns: Vec<String> = index.get("columns");
            if index.get("is_primary") {
                table.primary_key = columns;
            } else {
                table
                    .indexes
                    .insert((columns, index.get("is_unique"), index.get("partial")));
            }
        }
        let constraints = sqlx::query(
            "SELECT c.contype::text AS kind, c.confdeltype::text AS on_delete, f.relname::text AS referenced,
                    ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(attnum, n)
                          JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum ORDER BY k.n) AS columns,
                    ARRAY(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY k(attnum, n)
                          JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum ORDER BY k.n) AS referenced_columns
             FROM pg_constraint c LEFT JOIN pg_class f ON f.oid = c.confrelid
             WHERE c.conrelid = $1::regclass AND c.contype IN ('c', 'f')",
        )
        .bind(&name)
        .fetch_all(&mut conn)
        .await
        .unwrap();
        for constraint in constraints {
            match constraint.get::<String, _>("kind").as_str() {
                "c" => table.checks += 1,
                _ => {
                    table.foreign_keys.insert((
                        constraint.get("columns"),
                        constraint.get("referenced"),
                        constraint.get("referenced_columns"),
                        on_delete(constraint.get("on_delete")),
                    ));
                }
            }
        }
        schema.insert(name, table);
    }
    let versions = sqlx::query_scalar("SELECT version FROM _sqlx_migrations ORDER BY version")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    (schema, versions)
}

#[tokio::test]
async fn the_sqlite_and_postgresql_schemas_are_the_same() {
    let (sqlite, postgres) = (Scratch::on(Backend::Sqlite).await, Scratch::on(Backend::Postgres).await);
    for scratch in [&sqlite, &postgres] {
        member_center::db::open(&scratch.location).await.expect("migrates");
    }
    let (Location::File(path), Location::Postgres(url)) = (&sqlite.location, &postgres.location) else {
        unreachable!()
    };
    let (sqlite_schema, sqlite_versions) = sqlite_schema(path).await;
    let (postgres_schema, postgres_versions) = postgres_schema(url).await;
    assert_eq!(sqlite_versions, postgres_versions, "the same migrations, in lockstep");
    assert!(sqlite_schema.len() >= 20, "{:?}", sqlite_schema.keys());
    assert_eq!(
        sqlite_schema.keys().collect::<Vec<_>>(),
        postgres_schema.keys().collect::<Vec<_>>(),
        "the same tables"
    );
    for (name, table) in &sqlite_schema {
        assert_eq!(
            table, &postgres_schema[name],
            "table {name}: SQLite (left) and PostgreSQL (right) differ"
        );
    }
}
